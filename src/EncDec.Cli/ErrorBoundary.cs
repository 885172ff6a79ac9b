using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EncDec.Cli;

/// <summary>
/// The one place where a command's failure becomes what the user sees: never a stack trace.
/// <list type="bullet">
/// <item>a user's mistake (<see cref="UserInputException"/>, an unreadable path, a full disk) → <c>error: …</c>, exit 1;</item>
/// <item>a malformed command line → <c>error: … (see encdec CMD --help)</c>, exit 2;</item>
/// <item>anything else (a bug) → <c>internal error: TYPE: MESSAGE (full trace: PATH)</c>, exit 70, the trace written to
/// <c>RUN/crash-*.log</c> when a run folder is in use (<see cref="RunFolder"/>), else to a temporary file, or to stderr
/// with <c>--verbose</c>.</item>
/// </list>
/// </summary>
internal static class ErrorBoundary
{
    public const int UserErrorExitCode = 1;
    public const int UsageExitCode = 2;
    /// <summary>EX_SOFTWARE of sysexits.h: an internal error.</summary>
    public const int InternalErrorExitCode = 70;
    public const int InterruptedExitCode = 130;

    /// <summary>A new <c>--verbose</c> option (one per command tree): an internal error prints its full trace on stderr.</summary>
    public static Option<bool> VerboseOption() => new("--verbose")
    {
        Description = "On an internal error, print the full stack trace (otherwise it goes to a log file)",
        Recursive = true,
    };

    private static string? _runFolder;

    /// <summary>The run folder of the running command (train, demo, pretrain, preprocess), where a crash log goes; null = none.
    /// Process-wide (the tool runs one command at a time; an async local would not flow back out of the command).</summary>
    public static string? RunFolder
    {
        get => Volatile.Read(ref _runFolder);
        set => Volatile.Write(ref _runFolder, value);
    }

    /// <summary>Runs <paramref name="command"/>, turning every exception into one line on <paramref name="stderr"/> and an exit code.</summary>
    public static int Run(Func<int> command, TextWriter stderr, bool verbose)
    {
        RunFolder = null;
        try
        {
            return command();
        }
        catch (Exception e) when (Unwrap(e) is UserInputException u)
        {
            stderr.WriteLine($"error: {Describe(u)}");
            return UserErrorExitCode;
        }
        catch (Exception e) when (Unwrap(e) is OperationCanceledException)
        {
            stderr.WriteLine("interrupted");
            return InterruptedExitCode;
        }
        catch (Exception e) when (Unwrap(e) is IOException or UnauthorizedAccessException)
        {
            // A path the user gave that cannot be read or written (missing, a folder, no permission, disk full):
            // .NET's message names the path; one line, no stack trace.
            stderr.WriteLine($"error: {DescribeIoError(Unwrap(e))}");
            return UserErrorExitCode;
        }
        catch (Exception e) when (Unwrap(e) is OutOfMemoryException or InsufficientMemoryException)
        {
            stderr.WriteLine("error: out of memory: try a smaller model, batch (--batch-tokens, --batch-size) or --max-length");
            return UserErrorExitCode;
        }
        catch (Exception e)
        {
            var inner = Unwrap(e);
            string head = $"internal error: {inner.GetType().FullName}: {OneLine(inner.Message)}";
            if (verbose)
            {
                stderr.WriteLine(head);
                stderr.WriteLine(e.ToString());
            }
            else stderr.WriteLine($"{head} (full trace: {WriteTrace(e)})");
            return InternalErrorExitCode;
        }
        finally
        {
            RunFolder = null;
        }
    }

    /// <summary>True when the command line asks for help (help is shown even if other arguments are missing).</summary>
    public static bool AsksForHelp(IEnumerable<string> args) => args.Any(a => a is "-h" or "--help" or "-?" or "/?" or "/h");

    /// <summary>One line for a command line that does not parse: every error, then where the usage is.</summary>
    public static string UsageError(ParseResult parsed)
    {
        var messages = parsed.Errors.Select(e => Friendly(OneLine(e.Message))).Distinct().ToList();
        string command = string.Join(' ', CommandPath(parsed));
        return $"error: {string.Join("; ", messages)} (see {command} --help)";
    }

    private static List<string> CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (var r = parsed.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, r.Parent is null ? "encdec" : r.Command.Name);
        return names;
    }

    /// <summary>System.CommandLine's messages without .NET type names: "as expected type 'System.Int32'" → "as an integer".</summary>
    private static string Friendly(string message) => Regex.Replace(message, @"as expected type '([\w.]+)'", m => "as " + (m.Groups[1].Value switch
    {
        "System.Int32" or "System.Int64" or "System.UInt64" or "System.UInt32" => "an integer",
        "System.Single" or "System.Double" => "a number",
        "System.Boolean" => "true or false",
        var t => $"a {t}",
    }));

    /// <summary>The message of a user error; "not found" for a path that is a folder becomes "is a folder, not a file".</summary>
    public static string Describe(UserInputException e)
    {
        string message = OneLine(e.Message.ReplaceLineEndings(" "));
        if (e.FilePath is { } path && Directory.Exists(path) && message.EndsWith("not found", StringComparison.Ordinal))
            return $"{path}: is a folder, not a file";
        return message;
    }

    /// <summary>One line for a file-system error: "PATH: file not found" / "PATH: is a folder, not a file" where the path is known, else .NET's message.</summary>
    public static string DescribeIoError(Exception e)
    {
        switch (e)
        {
            case FileNotFoundException { FileName: { Length: > 0 } f }:
                return Directory.Exists(f) ? $"{f}: is a folder, not a file" : $"{f}: file not found";
            case DirectoryNotFoundException:
                return OneLine(e.Message).Replace("Could not find a part of the path", "folder not found:", StringComparison.Ordinal);
        }
        // "Access to the path '/x/y' is denied." for a folder opened as a file
        var quoted = Regex.Match(e.Message, "'([^']+)'");
        if (e is UnauthorizedAccessException && quoted.Success && Directory.Exists(quoted.Groups[1].Value))
            return $"{quoted.Groups[1].Value}: is a folder, not a file";
        return OneLine(e.Message);
    }

    /// <summary>The first line of <paramref name="message"/>.</summary>
    public static string OneLine(string message)
    {
        int nl = message.IndexOfAny(['\r', '\n']);
        return (nl < 0 ? message : message[..nl]).Trim();
    }

    /// <summary>The exception a task or a reflection call wraps.</summary>
    private static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException is { } inner) e = inner;
        return e;
    }

    /// <summary>Writes the full trace to the run folder's crash log (else a temporary file) and returns its path.</summary>
    private static string WriteTrace(Exception e)
    {
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string name = $"crash-{stamp}-{Environment.ProcessId}.log";
        string text = $"encdec {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}\n{DateTime.UtcNow:O}\n{e}\n";
        foreach (var dir in new[] { RunFolder, Path.GetTempPath() })
        {
            if (dir is null || !Directory.Exists(dir)) continue;
            string path = Path.Combine(dir, dir == RunFolder ? name : "encdec-" + name);
            try
            {
                File.WriteAllText(path, text);
                return path;
            }
            catch (Exception io) when (io is IOException or UnauthorizedAccessException) { /* try the next place */ }
        }
        return "not written: no writable folder; rerun with --verbose";
    }
}
