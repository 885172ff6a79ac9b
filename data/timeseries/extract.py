#!/usr/bin/python3
"""Extracts the three public-domain series the EncDec time-series code ships from Debian's python3-statsmodels.

Run from anywhere: /usr/bin/python3 data/timeseries/extract.py
Writes co2.csv, sunspots.csv and elnino.csv next to this script (a `time` column in ISO form and one value
column). Missing values stay empty fields, so the reader's missing-value report can be seen on real data.

Sources (as statsmodels' dataset modules name them; all public domain):
  co2      Mauna Loa weekly atmospheric CO2 (ppm), Scripps flask samples, 1958-03-29 .. 2001-12-29,
           http://cdiac.ornl.gov/trends/co2/sio-keel-flask/sio-keel-flaskmlo_c.html
  sunspots yearly sunspot activity 1700 .. 2008, NOAA NGDC http://www.ngdc.noaa.gov/stp/solar/solarda3.html
  elnino   monthly El Nino sea surface temperatures (deg C) 1950 .. 2010, NOAA National Weather Service
"""
import csv
import os

SRC = "/usr/lib/python3/dist-packages/statsmodels/datasets"
HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, header, rows):
    path = os.path.join(HERE, name)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"{path}: {len(rows)} rows")


def co2():
    rows = []
    with open(os.path.join(SRC, "co2", "co2.csv")) as f:
        for r in csv.DictReader(f):
            d = r["date"]
            rows.append([f"{d[0:4]}-{d[4:6]}-{d[6:8]}", r["co2"].strip()])
    write("co2.csv", ["time", "co2"], rows)


def sunspots():
    rows = []
    with open(os.path.join(SRC, "sunspots", "sunspots.csv")) as f:
        for r in csv.DictReader(f):
            rows.append([str(int(float(r["YEAR"]))), r["SUNACTIVITY"].strip()])
    write("sunspots.csv", ["time", "sunactivity"], rows)


def elnino():
    months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    rows = []
    with open(os.path.join(SRC, "elnino", "elnino.csv")) as f:
        for r in csv.DictReader(f):
            year = int(float(r["YEAR"]))
            for i, m in enumerate(months):
                rows.append([f"{year:04d}-{i + 1:02d}", r[m].strip()])
    write("elnino.csv", ["time", "sst"], rows)


if __name__ == "__main__":
    co2()
    sunspots()
    elnino()
