#!/usr/bin/env bash
# Install the Debian packages Hankeapu uses, when we can (root + apt). Never fails the build:
# without Voikko the lemmatiser falls back to simplemma; without Chromium the browser test is skipped
# with a message saying why; without Tesseract a scanned PDF is refused with a message saying how to
# install it; without LibreOffice/poppler the document-format tests are skipped, saying why.
set -u
what="${1:-voikko}"
have_voikko() { ldconfig -p 2>/dev/null | grep -q libvoikko.so && [ -d /usr/lib/voikko ] || [ -d /usr/share/voikko ]; }
have_chromium() { command -v chromium >/dev/null 2>&1; }
have_ocr() { command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx fin \
  && tesseract --list-langs 2>/dev/null | grep -qx eng; }
have_format_tools() { command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; }
apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    return 1
  fi
  (apt-get install -y -q "$@" >/dev/null 2>&1) || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$@" >/dev/null 2>&1)
}
case "$what" in
  voikko)
    if have_voikko; then exit 0; fi
    echo "Installing Voikko (libvoikko1, voikko-fi) for Finnish lemmas…"
    if apt_install libvoikko1 voikko-fi && have_voikko; then
      echo "Voikko installed."
    else
      echo "WARNING: could not install Voikko (needs root and apt). Falling back to simplemma lemmas, which are weaker on Finnish." >&2
    fi
    ;;
  chromium)
    if have_chromium; then exit 0; fi
    echo "Installing Debian chromium for the browser test…"
    if ! apt_install chromium; then
      echo "WARNING: could not install chromium; the browser test will be skipped." >&2
    fi
    ;;
  ocr)
    if have_ocr; then exit 0; fi
    echo "Installing Tesseract OCR with Finnish and English models for scanned PDFs…"
    if ! (apt_install tesseract-ocr tesseract-ocr-fin tesseract-ocr-eng && have_ocr); then
      echo "WARNING: could not install Tesseract (needs root and apt); scanned PDFs will be refused." >&2
    fi
    ;;
  formats)
    if have_format_tools; then exit 0; fi
    echo "Installing LibreOffice Writer and poppler-utils for the document-format tests (large, once)…"
    if ! (apt_install --no-install-recommends libreoffice-writer-nogui poppler-utils && have_format_tools); then
      echo "WARNING: could not install LibreOffice/poppler; the document-format tests will be skipped." >&2
    fi
    ;;
esac
exit 0
