namespace EncDec.TimeSeries;

/// <summary>
/// A time-ordered split of a series of <see cref="Length"/> steps: training rows [0, TrainEnd), validation rows
/// [TrainEnd, ValidEnd) and test rows [ValidEnd, Length). Nothing is shuffled across time: a window's targets lie in
/// one part, and its context may look back into earlier parts (data that was observed before).
/// </summary>
public sealed record TimeSplit(int Length, int TrainEnd, int ValidEnd)
{
    /// <summary>The split with the last <paramref name="testFraction"/> for testing and the <paramref name="validFraction"/> before it for validation.</summary>
    public static TimeSplit FromFractions(int length, double validFraction, double testFraction)
    {
        if (validFraction < 0 || testFraction < 0 || validFraction + testFraction >= 1)
            throw new UserInputException($"--valid-fraction/--test-fraction: {validFraction} + {testFraction} must be below 1, each at least 0");
        int test = (int)Math.Round(length * testFraction);
        int valid = (int)Math.Round(length * validFraction);
        return new TimeSplit(length, length - test - valid, length - test);
    }

    /// <summary>Rows [start, end) of a part.</summary>
    public (int Start, int End) Range(SplitPart part) => part switch
    {
        SplitPart.Train => (0, TrainEnd),
        SplitPart.Valid => (TrainEnd, ValidEnd),
        _ => (ValidEnd, Length),
    };
}
