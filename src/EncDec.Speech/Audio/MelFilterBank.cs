namespace EncDec.Speech.Audio;

/// <summary>
/// The Slaney-style mel filter bank that Whisper uses (librosa's <c>filters.mel</c> defaults: Slaney mel scale — linear
/// below 1 kHz, logarithmic above — triangles between fmin 0 and sr/2, each normalised to unit area, "slaney" norm).
/// </summary>
public static class MelFilterBank
{
    /// <summary>(mels, n_fft/2 + 1) row-major: the weight of FFT bin k in mel band m.</summary>
    public static float[] Create(int sampleRate, int nFft, int mels)
    {
        int bins = nFft / 2 + 1;
        var fftFreqs = new double[bins];
        for (int k = 0; k < bins; k++) fftFreqs[k] = (double)k * sampleRate / nFft;
        double lo = HzToMel(0), hi = HzToMel(sampleRate / 2.0);
        var melF = new double[mels + 2];
        for (int i = 0; i < mels + 2; i++) melF[i] = MelToHz(lo + (hi - lo) * i / (mels + 1));
        var w = new float[mels * bins];
        for (int m = 0; m < mels; m++)
        {
            double lower = melF[m], centre = melF[m + 1], upper = melF[m + 2];
            double norm = 2.0 / (upper - lower);
            for (int k = 0; k < bins; k++)
            {
                double down = (fftFreqs[k] - lower) / (centre - lower), up = (upper - fftFreqs[k]) / (upper - centre);
                w[m * bins + k] = (float)(Math.Max(0, Math.Min(down, up)) * norm);
            }
        }
        return w;
    }

    private const double FSp = 200.0 / 3, MinLogHz = 1000, MinLogMel = MinLogHz / FSp;
    private static readonly double LogStep = Math.Log(6.4) / 27;

    public static double HzToMel(double hz) => hz < MinLogHz ? hz / FSp : MinLogMel + Math.Log(hz / MinLogHz) / LogStep;
    public static double MelToHz(double mel) => mel < MinLogMel ? mel * FSp : MinLogHz * Math.Exp(LogStep * (mel - MinLogMel));
}
