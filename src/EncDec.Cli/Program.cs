namespace EncDec.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("encdec: commands arrive with the CLI issue");
        return 2;
    }
}
