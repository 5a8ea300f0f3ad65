import os

# openpyxl switches to lxml when it is installed (python-docx brings it, for the 通报); the
# workbooks' byte-for-byte output, which reports/fastxlsx.py reproduces, is that of its standard
# library writer, so keep it (openpyxl reads this once, at its first import)
os.environ.setdefault("OPENPYXL_LXML", "False")
