using System.Text.RegularExpressions;
using Pipeline.Cdk.Tests.Support;
using Pipeline.Functions.Domain;

namespace Pipeline.Cdk.Tests;

/// <summary>
/// Facts the Lambda code and this app must agree on. The handler catalog and the lock adapter need
/// the AWS SDK and are not compiled into the CDK app, so their source is read instead.
/// </summary>
public sealed partial class ContractTests
{
    [Fact]
    public void The_app_deploys_a_function_for_exactly_the_handlers_of_the_catalog()
    {
        var source = File.ReadAllText(Repo.File("src", "Functions", "Hosting", "HandlerCatalog.cs"));
        var names = CatalogNames().Match(source).Groups[1].Value;

        Assert.Equal(NameOf().Matches(names).Select(m => m.Groups[1].Value), LambdaHandlers.Names);
    }

    [Fact]
    public void The_lock_table_key_is_the_one_the_lock_adapter_writes()
    {
        var source = File.ReadAllText(Repo.File("src", "Functions", "Adapters", "Aws", "DynamoDbRunLock.cs"));

        Assert.Contains($"KeyAttribute = \"{Orchestration.LockKey}\";", source, StringComparison.Ordinal);
    }

    [Fact]
    public void SendCommand_is_allowed_for_the_document_the_command_runner_sends()
    {
        var source = File.ReadAllText(Repo.File("src", "Functions", "Adapters", "Aws", "SsmCommandRunner.cs"));

        Assert.Contains($"Document = \"{Orchestration.RunShellScript}\";", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_function_gets_the_settings_as_the_shared_code_writes_them()
    {
        var synthesized = Synth.DefaultStack;
        var expected = SettingsJson.Write(synthesized.Settings.Pipeline);

        Assert.All(
            synthesized.PipelineFunctions(),
            f => Assert.Equal(expected, f.Resource["Properties"]!["Environment"]!["Variables"]![PipelineFunctions.SettingsVariable]!.GetValue<string>()));
    }

    [Fact]
    public void The_deployed_settings_read_back_as_valid_settings()
    {
        var json = SettingsJson.Write(Synth.DefaultStack.Settings.Pipeline);

        Assert.Empty(SettingsValidator.Validate(SettingsJson.Parse(json)));
    }

    [GeneratedRegex(@"Names\s*=\s*\[(.*?)\];", RegexOptions.Singleline)]
    private static partial Regex CatalogNames();

    [GeneratedRegex(@"nameof\((\w+)\)")]
    private static partial Regex NameOf();
}
