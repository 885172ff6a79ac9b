using EncDec.Nn.LongAttention;
using System.Text.Json;
using System.Text.Json.Serialization;
using EncDec.Nn;

namespace EncDec.Models;

/// <summary>The model families one <see cref="ModelFactory"/> builds.</summary>
public enum ModelFamily { Transformer, Rnn, EncoderOnly, DecoderOnly, ImageToSequence, UNet, DualEncoder, SpeechToSequence }
