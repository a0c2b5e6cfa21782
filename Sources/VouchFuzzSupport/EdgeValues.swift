/// Values at the edges of what decoders and stores convert: integer widths, JSON's exact-integer
/// limit, and one character from every Unicode general category plus the ones text rules name.
public enum EdgeValues {
    /// 1 first: the value a zero choice gives is a valid version, port or count.
    public static let unsigned: [UInt64] = [
        1, 0, 2, 23, 24, 255, 256, 65_535, 65_536,
        1 << 31 - 1, 1 << 31, 1 << 31 + 1, 1 << 32 - 1, 1 << 32,
        1 << 53, 1 << 53 + 1, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max,
        1_700_000_000, 1_700_000_000_000,
    ]

    /// One scalar per general category (Lu Ll Lt Lm Lo Mn Mc Me Nd Nl No Pc Pd Ps Pe Pi Pf Po Sm
    /// Sc Sk So Zs Zl Zp Cc Cf Co Cn; Cs cannot occur in a Swift string), then characters that
    /// profile and address rules single out: separators, bidi controls, zero-width characters,
    /// noncharacters, the Kelvin sign (canonically equivalent to "K").
    public static let scalars: [Unicode.Scalar] = [
        "A", "z", "\u{01C5}", "\u{02B0}", "\u{4E2D}", "\u{0301}", "\u{0903}", "\u{20DD}", "\u{0663}", "\u{216B}", "\u{00BD}",
        "_", "-", "(", ")", "\u{00AB}", "\u{00BB}", "!", "+", "\u{20AC}", "^", "\u{1F600}", " ", "\u{2028}", "\u{2029}",
        "\0", "\n", "\r", "\t", "\u{7F}", "\u{85}", "\u{00AD}", "\u{E000}", "\u{10FFFD}", "\u{0378}",
        "\u{00A0}", "\u{3000}", "\u{200B}", "\u{200D}", "\u{2060}", "\u{FEFF}", "\u{202E}", "\u{2066}", "\u{0600}",
        "\u{FFFF}", "\u{10FFFF}", "\u{212A}", "K", "\u{0130}", "\u{FB01}", "\u{FF10}", "\u{FF1A}",
        ":", "@", "[", "]", ".", "/", "0", "9",
    ]

    /// Whole texts worth trying as they are.
    public static let texts: [String] = [
        "a", "Ada Lovelace", "e\u{301}", "\u{00E9}", "\u{1F469}\u{200D}\u{1F4BB}", "https://example.org/ada", "mailto:a@b",
        "x:", ":", "localhost:1", "127.0.0.1:7400", "[::1]:7400", "[2001:db8::7]:65535", "host:0", "host:65536", "host:007",
        "a-.b:1", "-a:1", "\u{0661}.com:1", "everyone", "connections", "vouch.profile", "card", "ping",
    ]
}
