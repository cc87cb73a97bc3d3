"""Small helpers around Keras models.

(The file name is the bug: it shadows the real `keras` package for every script in
this folder.)
"""


def count_params(model):
    return sum(int(w.shape.num_elements()) for w in model.trainable_weights)
