using Amazon.CDK;
using Pipeline.Cdk;
using Pipeline.Cdk.Settings;

// cdk.json runs this program; `cdk synth` writes the template to cdk.out/.
var app = new App();
try
{
    PipelineApp.AddStack(app, AppSettings.FromContext(app.Node));
}
catch (SettingsException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

app.Synth();
return 0;
