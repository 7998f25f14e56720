using System.Net;
using Amazon.EC2;
using Pipeline.Functions.Domain;
using Pipeline.Functions.Hosting;

namespace Pipeline.Functions.Tests.Hosting;

public sealed class ErrorReportTests
{
    [Fact]
    public void A_pipeline_error_keeps_its_name_and_message()
    {
        var error = ErrorReport.From(new PipelineException(ErrorNames.OutputMissing, "no _SUCCESS"));
        Assert.Equal(("Pipeline.OutputMissing", "no _SUCCESS"), (error.ErrorType, error.ErrorMessage));
    }

    [Theory]
    [InlineData("RequestLimitExceeded", HttpStatusCode.BadRequest)]
    [InlineData("Throttling", HttpStatusCode.BadRequest)]
    [InlineData("Unavailable", HttpStatusCode.ServiceUnavailable)]
    public void Throttling_and_server_errors_are_transient(string code, HttpStatusCode status)
    {
        var e = new AmazonEC2Exception("slow down") { ErrorCode = code, StatusCode = status };
        Assert.Equal(ErrorReport.AwsTransient, ErrorReport.From(e).ErrorType);
    }

    [Fact]
    public void A_refusal_is_named_after_its_aws_error_code_and_not_called_transient()
    {
        var e = new AmazonEC2Exception("not allowed") { ErrorCode = "UnauthorizedOperation", StatusCode = HttpStatusCode.Forbidden };
        Assert.Equal("Aws.UnauthorizedOperation", ErrorReport.From(e).ErrorType);
    }

    [Fact]
    public void Network_failures_are_transient() =>
        Assert.Equal(ErrorReport.AwsTransient, ErrorReport.From(new HttpRequestException("connection refused")).ErrorType);

    [Fact]
    public void Anything_else_is_named_after_its_type() =>
        Assert.Equal("InvalidOperationException", ErrorReport.From(new InvalidOperationException("bug")).ErrorType);
}
