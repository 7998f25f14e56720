using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipeline.Cdk.Settings;

/// <summary>
/// The VPC's address block: an RFC 1918 network from /16 (the largest a VPC takes) to /24 (one
/// subnet), written as its network address. A regular expression cannot say "octet at most 255" or
/// "no host bits", and CloudFormation would only say so at deploy time.
/// </summary>
public static partial class VpcCidr
{
    public const string Expected =
        "a private (RFC 1918: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) IPv4 network from /16 to /24, written as its network address such as \"10.40.0.0/16\"";

    public static bool IsValid(string? text) => TryParse(text, out _, out _);

    /// <summary>The prefix length of a valid block (e.g. 16 for "10.40.0.0/16").</summary>
    public static int PrefixLength(string text) =>
        TryParse(text, out _, out var length) ? length : throw new ArgumentException($"not a valid VPC CIDR: {text}", nameof(text));

    private static bool TryParse(string? text, out uint network, out int prefixLength)
    {
        network = 0;
        prefixLength = 0;
        var match = text is null ? null : Shape().Match(text);
        if (match is null || !match.Success)
        {
            return false;
        }

        foreach (var group in new[] { "a", "b", "c", "d" })
        {
            var octet = match.Groups[group].Value;
            // "010" reads as 8 to some tools and 10 to others; only the plain form is accepted.
            if (octet.Length > 1 && octet[0] == '0')
            {
                return false;
            }

            var number = int.Parse(octet, CultureInfo.InvariantCulture);
            if (number > 255)
            {
                return false;
            }

            network = (network << 8) | (uint)number;
        }

        prefixLength = int.Parse(match.Groups["len"].Value, CultureInfo.InvariantCulture);
        if (prefixLength is < 16 or > 24)
        {
            return false;
        }

        var mask = uint.MaxValue << (32 - prefixLength);
        return (network & ~mask) == 0 && IsPrivate(network);
    }

    private static bool IsPrivate(uint address) =>
        (address & 0xFF000000) == 0x0A000000        // 10.0.0.0/8
        || (address & 0xFFF00000) == 0xAC100000     // 172.16.0.0/12
        || (address & 0xFFFF0000) == 0xC0A80000;    // 192.168.0.0/16

    [GeneratedRegex(@"^(?<a>[0-9]{1,3})\.(?<b>[0-9]{1,3})\.(?<c>[0-9]{1,3})\.(?<d>[0-9]{1,3})/(?<len>[0-9]{1,2})\z")]
    private static partial Regex Shape();
}
