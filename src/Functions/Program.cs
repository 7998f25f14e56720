using Pipeline.Functions.Adapters.Aws;
using Pipeline.Functions.Hosting;
using Pipeline.Functions.Runtime;

// Two ways in: the Lambda custom runtime (AWS_LAMBDA_RUNTIME_API and _HANDLER set by Lambda), or
// the command line (bootstrap invoke <Handler> [json]) for local runs and the acceptance suite.
var runtimeApi = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API");
if (args.Length > 0 || string.IsNullOrEmpty(runtimeApi))
{
    return await CommandLine.RunAsync(args, Console.In, Console.Out, Console.Error);
}

using var client = new LambdaRuntimeClient(runtimeApi);
using var aws = new AwsClients();
Pipeline.Functions.Handlers.IHandler handler;
try
{
    var settings = SettingsSource.Load(Environment.GetEnvironmentVariable);
    handler = HandlerCatalog.Create(Environment.GetEnvironmentVariable("_HANDLER") ?? "", settings, TimeProvider.System, new AwsPorts(aws, settings));
}
catch (Exception e)
{
    // Lambda wants init failures reported before the process exits, so the invoke fails with the reason.
    await client.ReportInitErrorAsync(ErrorReport.From(e), CancellationToken.None);
    return 1;
}

await new LambdaRuntimeLoop(client, handler.InvokeAsync, ErrorReport.From).RunAsync(CancellationToken.None);
return 0;
