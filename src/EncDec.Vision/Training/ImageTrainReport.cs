using EncDec.Data;
using EncDec.Autograd;
using EncDec.Generation;
using EncDec.Models;
using EncDec.Optim;
using EncDec.Tensors;
using EncDec.Training;
using EncDec.Text;

namespace EncDec.Vision.Training;

/// <summary>What a run did: steps taken, the last smoothed loss, seconds.</summary>
public sealed record ImageTrainReport(int Steps, float Loss, double Seconds);
