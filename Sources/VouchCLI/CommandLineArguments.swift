import ArgumentParser

/// What `vouch` does to its arguments before swift-argument-parser sees them, so that people can
/// type them the way they expect:
/// - Global options (`--home DIR`, `--home=DIR`, `--json`, `--no-color`) given before the
///   subcommand are moved after it (`vouch --home X status` works like `vouch status --home X`).
/// - A word in a subcommand's place that names no subcommand is reported as an unknown command,
///   with the nearest name, instead of the parser blaming a valid option that follows it.
enum CommandLineArguments {
    /// Options every leaf command takes (`GlobalOptions`), and whether each takes a value.
    static let globalOptions: [String: Bool] = ["--home": true, "--json": false, "--no-color": false]

    struct UnknownCommand: Error {
        let word: String
        let path: [String]
        let suggestion: String?

        var message: String {
            let command = (["vouch"] + path).joined(separator: " ")
            let hint = suggestion.map { "; did you mean '\($0)'?" } ?? ""
            return "unknown command '\(word)' for '\(command)'\(hint) (see '\(command) --help')"
        }
    }

    /// The arguments with leading global options moved behind the subcommand path; throws
    /// `UnknownCommand` for a word that is not a subcommand where one is expected.
    static func normalize(_ arguments: [String], root: any ParsableCommand.Type) throws(UnknownCommand) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count, let option = globalOption(arguments[index]) {
            leading.append(arguments[index])
            if option.takesValue && !arguments[index].contains("=") && index + 1 < arguments.count {
                leading.append(arguments[index + 1])
                index += 1
            }
            index += 1
        }
        var rest = Array(arguments[index...])
        // Walk the subcommand path: each word must name a subcommand while there are subcommands.
        var command = root
        var path: [String] = []
        var position = 0
        while position < rest.count, !rest[position].hasPrefix("-") {
            let children = command.configuration.subcommands
            guard !children.isEmpty else { break }
            let word = rest[position]
            if word == "help" { break }  // the parser's own `vouch help COMMAND`
            guard let child = children.first(where: { $0.configuration.commandName == word || $0.configuration.aliases.contains(word) }) else {
                let names = children.compactMap { $0.configuration.commandName }
                throw UnknownCommand(word: word, path: path, suggestion: nearest(word, in: names))
            }
            path.append(word)
            command = child
            position += 1
        }
        guard !leading.isEmpty, !path.isEmpty else { return Array(arguments[..<index]) + rest }
        // After the path and before a `--` that ends the options, so positionals stay positional.
        let insertAt = rest.firstIndex(of: "--") ?? rest.count
        rest.insert(contentsOf: leading, at: insertAt)
        return rest
    }

    private static func globalOption(_ argument: String) -> (name: String, takesValue: Bool)? {
        let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
        guard let takesValue = globalOptions[name] else { return nil }
        return (name, takesValue)
    }

    /// The name within edit distance 2 of `word` (the closest; ties go to the first listed).
    static func nearest(_ word: String, in names: [String]) -> String? {
        let scored = names.map { ($0, distance(word, $0)) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}
