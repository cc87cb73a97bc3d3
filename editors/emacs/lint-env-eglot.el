;;; lint-env-eglot.el --- lint-env language server with eglot (Emacs 29+)  -*- lexical-binding: t; -*-

;; Load from your init file:  (load "/path/to/editors/emacs/lint-env-eglot.el")
;; eglot runs ONE server per major mode and project: for Python buffers lint-env
;; replaces pyright/pylsp unless you use a multiplexer; see editors/README.md.

(require 'eglot)

(defconst lint-env-file-regexp
  (rx (or (seq (or "requirements" "constraints") (* (not (any "/"))) "." (or "txt" "in"))
          (seq "env" (* (not (any "/"))) "." (or "yml" "yaml"))
          "pyproject.toml"
          (seq "." "py"))
      eos)
  "File names lint-env checks.")

(defconst lint-env-modes
  '(python-mode python-ts-mode
    pip-requirements-mode
    yaml-mode yaml-ts-mode
    toml-ts-mode conf-toml-mode conf-unix-mode)
  "Major modes whose buffers may be lint-env files.")

(add-to-list 'eglot-server-programs
             `(,lint-env-modes
               . ("lint-env" "server"
                  :initializationOptions (:targets [] :select [] :ignore []))))

;; Requirements files: use pip-requirements-mode if installed, else conf-mode.
(add-to-list 'auto-mode-alist
             `(,(rx (or "requirements" "constraints") (* (not (any "/"))) "." (or "txt" "in") eos)
               . ,(if (fboundp 'pip-requirements-mode) 'pip-requirements-mode 'conf-unix-mode)))

(defun lint-env-eglot-maybe-start ()
  "Start eglot with lint-env when the buffer visits a lint-env file."
  (when (and buffer-file-name
             (string-match-p lint-env-file-regexp (file-name-nondirectory buffer-file-name)))
    (eglot-ensure)))

(dolist (hook '(python-mode-hook python-ts-mode-hook pip-requirements-mode-hook
                conf-unix-mode-hook yaml-mode-hook yaml-ts-mode-hook
                toml-ts-mode-hook conf-toml-mode-hook))
  (add-hook hook #'lint-env-eglot-maybe-start))

;; Settings answered to workspace/configuration (section "lintEnv"), e.g. in .dir-locals.el:
;; ((nil . ((eglot-workspace-configuration
;;           . (:lintEnv (:targets ["macos-arm64"] :pythonVersion "3.11"))))))

(provide 'lint-env-eglot)
;;; lint-env-eglot.el ends here
