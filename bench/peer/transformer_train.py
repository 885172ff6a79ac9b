#!/usr/bin/python3
"""PyTorch peer of `dotnet run -c Release --project bench/EncDec.Bench -- train --model transformer`.

The Transformer of bench/EncDec.Bench/TrainBench.cs (d_model 256, 4 heads, 3+3 layers, FFN 1024, dropout 0.1,
shared 8,000-token source/target embedding, own output projection with bias) trained on the same batches with
the same step (see trainloop.py). Prints one JSON line.

  /usr/bin/python3 bench/peer/transformer_train.py [--steps 20] [--warmup 3] [--threads N] [--verbose]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

import common  # noqa: E402
import trainloop  # noqa: E402
from models import Transformer  # noqa: E402


def main():
    args = trainloop.arguments(__doc__.splitlines()[0])
    common.set_threads(torch, args.threads)
    torch.manual_seed(1)
    model = Transformer(trainloop.VOCAB, d_model=256, heads=4, encoder_layers=3, decoder_layers=3,
                        feed_forward=1024, dropout=0.1, tie_output=False)
    trainloop.run("transformer", model, args)


if __name__ == "__main__":
    main()
