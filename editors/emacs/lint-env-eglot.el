;;; lint-env-eglot.el --- lint-env language server with eglot (Emacs 29+, or 28 with the eglot package)  -*- lexical-binding: t; -*-

;; Load from your init file:  (load "/path/to/editors/emacs/lint-env-eglot.el")
;; Emacs 28: install eglot first (M-x package-install eglot, or Debian's elpa-eglot).
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

;; Conda environment files: yaml-mode if installed, else yaml-ts-mode where its grammar
;; is there (Emacs 29+), else conf-unix-mode (Emacs 28 has no YAML mode), so that
;; lint-env checks them in any case. Other YAML files are left alone.
(defun lint-env-environment-file-mode ()
  "Major mode for a conda environment file."
  (cond ((fboundp 'yaml-mode) (yaml-mode))
        ((and (fboundp 'yaml-ts-mode) (fboundp 'treesit-language-available-p)
              (treesit-language-available-p 'yaml))
         (yaml-ts-mode))
        (t (conf-unix-mode))))

(add-to-list 'auto-mode-alist
             `(,(rx (or "environment" "env") (* (not (any "/"))) "." (or "yml" "yaml") eos)
               . lint-env-environment-file-mode))

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
