"""A tiny Keras model trained on the Metal GPU (TensorFlow 2.16 + tensorflow-metal)."""

import tensorflow as tf


def main() -> None:
    print("GPUs:", tf.config.list_physical_devices("GPU"))
    x = tf.random.normal((256, 32))
    y = tf.random.uniform((256,), maxval=4, dtype=tf.int32)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((32,)),
            tf.keras.layers.Dense(64, activation="relu"),
            tf.keras.layers.Dense(4, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=32)
    model.save("model.keras")


if __name__ == "__main__":
    main()
