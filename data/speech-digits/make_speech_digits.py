#!/usr/bin/python3
"""Generates the spoken-digit set that EncDec ships (data/speech-digits) with Debian's espeak-ng and sox.

Each clip is a string of digit words ("four zero seven") spoken by espeak-ng with a voice (accent + variant), a
speed and a pitch drawn from a seeded generator, mixed with pink or white noise at a random level by sox, and
written as 8 kHz mono WAV. Training clips use the training voices only; the test clips use accents and
variants that no training clip has (held-out voices).

    /usr/bin/python3 data/speech-digits/make_speech_digits.py [--train 320] [--test 80] [--out data/speech-digits]
                                                              [--rate 8000] [--bits 8] [--seed 15]
                                                              [--variants shipped|wide] [--jobs 1]

Writes OUT/train/*.wav, OUT/test/*.wav and OUT/train.tsv, OUT/test.tsv ("file<TAB>transcript" lines).
A larger set for benchmarks: --train 3000 --test 300 --rate 16000 --bits 16 --out /tmp/speech-digits.
`bench accuracy --task speech-digits` makes a larger training set (never the test voices) with
--train 3000 --test 0 --variants wide --jobs 4 when espeak-ng and sox are installed.
"""
import argparse
import concurrent.futures
import os
import random
import subprocess
import tempfile

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TRAIN_ACCENTS = ["en-gb", "en-us", "en-gb-x-rp", "en-029", "en-gb-scotland", "en-gb-x-gbclan"]
TRAIN_VARIANTS = ["m1", "m2", "m3", "m4", "f1", "f2", "f3"]
TEST_ACCENTS = ["en-gb-x-gbcwmd", "en-us-nyc"]
TEST_VARIANTS = ["m6", "f4"]
# --variants wide (the bench's larger training set): many more espeak-ng voice variants, never the test ones
WIDE_TRAIN_VARIANTS = TRAIN_VARIANTS + ["m5", "m7", "m8", "f5", "klatt", "klatt2", "klatt3", "klatt4", "adam", "anika", "belinda",
                                        "benjamin", "caleb", "david", "edward", "john", "linda", "max", "norbert", "paul", "robert",
                                        "steph", "travis", "victor", "quincy", "iven3", "Alex", "Andy", "Annie", "Denis", "Gene",
                                        "Jacky", "Lee", "Mike"]


def draw(rng):
    """The random settings of one clip, drawn in the order the shipped set was made with."""
    speed = rng.randint(140, 210)
    pitch = rng.randint(25, 75)
    colour = rng.choice(["pinknoise", "whitenoise", "brownnoise"])
    level = rng.uniform(0.005, 0.04)
    gain = rng.uniform(-6, 0)
    return speed, pitch, colour, level, gain


def clip(settings, accent, variant, words, rate, bits, path):
    speed, pitch, colour, level, gain = settings
    with tempfile.TemporaryDirectory() as tmp:
        render(speed, pitch, colour, level, gain, accent, variant, words, rate, bits, path, tmp)


def render(speed, pitch, colour, level, gain, accent, variant, words, rate, bits, path, tmp):
    raw = os.path.join(tmp, "raw.wav")
    subprocess.run(["espeak-ng", "-v", f"{accent}+{variant}", "-s", str(speed), "-p", str(pitch), "-w", raw, " ".join(words)],
                   check=True)
    duration = float(subprocess.run(["soxi", "-D", raw], check=True, capture_output=True, text=True).stdout)
    noise = os.path.join(tmp, "noise.wav")
    subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", "-b", "16", noise, "synth", f"{duration:.4f}", colour, "vol", f"{level:.4f}"],
                   check=True)
    encoding = ["-e", "unsigned-integer"] if bits == 8 else ["-e", "signed-integer"]
    subprocess.run(["sox", "-m", raw, noise, "-r", str(rate), "-c", "1", "-b", str(bits), *encoding, path,
                    "gain", f"{gain:.2f}", "silence", "1", "0.02", "0.3%", "reverse", "silence", "1", "0.02", "0.3%", "reverse"],
                   check=True)


def make(split, count, accents, variants, digits, args, rng):
    folder = os.path.join(args.out, split)
    os.makedirs(folder, exist_ok=True)
    lines, jobs = [], []
    for i in range(count):
        n = rng.randint(digits[0], digits[1])
        words = [rng.choice(WORDS) for _ in range(n)]
        accent, variant = rng.choice(accents), rng.choice(variants)
        name = f"{split}_{i:04d}.wav"
        jobs.append((draw(rng), accent, variant, words, args.rate, args.bits, os.path.join(folder, name)))
        lines.append(f"{split}/{name}\t{' '.join(words)}\n")
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for f in [pool.submit(clip, *job) for job in jobs]:
            f.result()
    with open(os.path.join(args.out, f"{split}.tsv"), "w", encoding="utf-8") as f:
        f.writelines(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", type=int, default=320)
    p.add_argument("--test", type=int, default=80)
    p.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    p.add_argument("--rate", type=int, default=8000)
    p.add_argument("--bits", type=int, default=8, choices=[8, 16])
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--variants", default="shipped", choices=["shipped", "wide"])
    p.add_argument("--jobs", type=int, default=1)
    args = p.parse_args()
    rng = random.Random(args.seed)
    make("train", args.train, TRAIN_ACCENTS, TRAIN_VARIANTS if args.variants == "shipped" else WIDE_TRAIN_VARIANTS, (1, 3), args, rng)
    make("test", args.test, TEST_ACCENTS, TEST_VARIANTS, (1, 4), args, rng)


if __name__ == "__main__":
    main()
