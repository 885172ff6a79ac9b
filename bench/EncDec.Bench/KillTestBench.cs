namespace EncDec.Bench;

public static class KillTestBench
{
    public static int Run(string[] args) => throw new NotImplementedException();
}
