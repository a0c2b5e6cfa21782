import Foundation

/// The entry point of a fuzz target in an ordinary build (no libFuzzer): runs the target on each
/// file named on the command line, so a crash file reproduces with a plain `swift build`, and
/// the targets compile with everything else.
public enum FuzzReplay {
    public static func run(_ target: (UnsafePointer<UInt8>, Int) -> CInt) {
        let paths = CommandLine.arguments.dropFirst()
        if paths.isEmpty {
            print("usage: \(CommandLine.arguments[0]) FILE…  (runs the fuzz target once per file; .ci/fuzz builds it with libFuzzer)")
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                exit(1)
            }
            // One spare byte, so that even an empty file has a valid base address.
            let bytes = [UInt8](data) + [0]
            _ = bytes.withUnsafeBufferPointer { target($0.baseAddress!, $0.count - 1) }
            print("ran \(path) (\(data.count) bytes)")
        }
    }

    /// The bytes libFuzzer passes, as an array.
    public static func bytes(_ data: UnsafePointer<UInt8>, _ count: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: data, count: count))
    }
}
