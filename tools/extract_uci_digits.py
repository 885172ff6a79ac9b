#!/usr/bin/python3
"""Extracts the UCI handwritten digits that Debian's python3-sklearn ships into the small file EncDec.Vision embeds.

Source: sklearn/datasets/data/digits.csv.gz — 1,797 images of 8×8 pixels, values 0..16, with their digit, from
"Optical Recognition of Handwritten Digits" (E. Alpaydin, C. Kaynak, 1998), UCI Machine Learning Repository,
https://doi.org/10.24432/C50P49, licensed CC BY 4.0.

Output: src/EncDec.Vision/Data/uci-digits.bin.gz, gzip (mtime 0) of 1,797 records of 65 bytes: 64 pixels (row-major,
0..16) then the digit. Run: /usr/bin/python3 tools/extract_uci_digits.py
"""
import gzip
import os

SRC = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "EncDec.Vision", "Data", "uci-digits.bin.gz")


def main():
    out = bytearray()
    with gzip.open(SRC, "rt") as f:
        for line in f:
            vals = [int(float(v)) for v in line.strip().split(",")]
            assert len(vals) == 65 and all(0 <= v <= 16 for v in vals[:64]) and 0 <= vals[64] <= 9
            out.extend(vals)
    assert len(out) == 1797 * 65
    with open(OUT, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as z:
            z.write(bytes(out))
    print(f"wrote {OUT}: {len(out) // 65} images")


if __name__ == "__main__":
    main()
