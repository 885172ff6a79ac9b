#!/usr/bin/python3
"""PyTorch peer of `dotnet run -c Release --project bench/EncDec.Bench -- train --model lstm`.

The RNN model of bench/EncDec.Bench/TrainBench.cs: shared 8,000-token embedding of 256, 1-layer bidirectional LSTM
encoder of 512 per direction, LSTM decoder of 512 with Bahdanau attention (attention size 512) and input feeding,
attentional vector tanh(W_c [context; h]) of 512, readout Linear(512 → 8,000) with bias (models.RnnSeq2Seq), trained
on the same batches with the same step (see trainloop.py). Prints one JSON line.

Where the work differs from EncDec's: none in the arithmetic (same layers, shapes and parameter count); PyTorch runs
the encoder with its stock sequence LSTM and the decoder as one LSTMCell call per position (input feeding makes the
decoder sequential in both), and EncDec's encoder reads the batch with lengths while this one (no padding) does not.

  /usr/bin/python3 bench/peer/lstm_train.py [--steps 20] [--warmup 3] [--threads N] [--verbose]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

import common  # noqa: E402
import trainloop  # noqa: E402
from models import RnnSeq2Seq  # noqa: E402


def main():
    args = trainloop.arguments(__doc__.splitlines()[0])
    common.set_threads(torch, args.threads)
    torch.manual_seed(1)
    model = RnnSeq2Seq(trainloop.VOCAB, embed=256, hidden=512, dropout=0.1)
    trainloop.run("lstm", model, args)


if __name__ == "__main__":
    main()
