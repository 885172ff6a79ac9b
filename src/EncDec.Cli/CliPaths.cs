namespace EncDec.Cli;

/// <summary>
/// Checks on user-supplied output paths, done before any work so that a mistake costs nothing and leaves nothing
/// behind; failures are <see cref="UserInputException"/>s naming the path.
/// </summary>
internal static class CliPaths
{
    /// <summary>Creates (if needed) the run folder given by <paramref name="option"/>; an existing file or an unwritable place is a user error.</summary>
    public static void CreateRunFolder(string path, string option)
    {
        if (File.Exists(path)) throw new UserInputException(path, null, $"{option}: is a file, not a run folder");
        try
        {
            Directory.CreateDirectory(path);
            ErrorBoundary.RunFolder = path;   // an internal error from here on leaves its trace in the run folder
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException(path, null, $"{option}: cannot create the run folder ({Program.OneLine(e.Message)})");
        }
    }

    /// <summary>Fails early when the output file given by <paramref name="option"/> names a folder.</summary>
    public static void CheckOutputFile(string path, string option)
    {
        if (Directory.Exists(path)) throw new UserInputException(path, null, $"{option}: is a folder, not a file");
    }

    /// <summary>Fails early when the input file given by <paramref name="option"/> is missing or a folder.</summary>
    public static void CheckInputFile(string path, string option)
    {
        if (Directory.Exists(path)) throw new UserInputException(path, null, $"{option}: is a folder, not a file");
        if (!File.Exists(path)) throw new UserInputException(path, null, $"{option}: file not found");
    }
}
