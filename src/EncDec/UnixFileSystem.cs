using System.Runtime.InteropServices;

namespace EncDec;

/// <summary>What a path names, as far as writing to it goes.</summary>
internal enum PathKind { Missing, RegularFile, Directory, Fifo, CharacterDevice, BlockDevice, Socket, Other }

/// <summary>
/// The few POSIX calls .NET does not expose: the type of a file (a FIFO or a device is streamed to, never replaced) and
/// fsync of a folder (so that a rename survives a power cut). They go through the runtime's own native shim
/// (<c>libSystem.Native</c>, whose <c>FileStatus</c> layout and mode bits are the same on every Unix); where it is not
/// available (Windows) the type comes from managed calls and folders are not synced.
/// </summary>
internal static partial class UnixFileSystem
{
    private const string Shim = "libSystem.Native";
    // PAL_S_* of System.Native (pal_io.h): the same values on every platform
    private const int TypeMask = 0xF000, Fifo = 0x1000, Chr = 0x2000, Dir = 0x4000, Blk = 0x6000, Reg = 0x8000, Sock = 0xC000;

    [LibraryImport(Shim, EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* status);

    [LibraryImport(Shim, EntryPoint = "SystemNative_Open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr Open(string path, int flags, int mode);

    [LibraryImport(Shim, EntryPoint = "SystemNative_FSync")]
    private static partial int FSync(IntPtr fd);

    [LibraryImport(Shim, EntryPoint = "SystemNative_Close")]
    private static partial int Close(IntPtr fd);

    /// <summary>The kind of file <paramref name="path"/> names, following symbolic links.</summary>
    public static unsafe PathKind KindOf(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                byte* status = stackalloc byte[512];   // FileStatus is about 130 bytes; Mode is the int32 at offset 4
                if (Stat(path, status) != 0) return Directory.Exists(path) ? PathKind.Directory : File.Exists(path) ? PathKind.Other : PathKind.Missing;
                return (*(int*)(status + 4) & TypeMask) switch
                {
                    Reg => PathKind.RegularFile, Dir => PathKind.Directory, Fifo => PathKind.Fifo, Chr => PathKind.CharacterDevice,
                    Blk => PathKind.BlockDevice, Sock => PathKind.Socket, _ => PathKind.Other,
                };
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { /* fall back below */ }
        }
        return Directory.Exists(path) ? PathKind.Directory : File.Exists(path) ? PathKind.RegularFile : PathKind.Missing;
    }

    /// <summary>Flushes a folder's entries (a rename into it) to disk; best effort.</summary>
    public static void SyncDirectory(string dir)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            IntPtr fd = Open(dir, 0 /* PAL_O_RDONLY */, 0);
            if (fd.ToInt64() < 0) return;
            try { FSync(fd); } finally { Close(fd); }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { /* not available: the rename is still atomic */ }
    }
}
