using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace LivePoll.Server.Diagnostics;

/// <summary>
/// Turns a request the framework could not read (malformed JSON, wrong types, a missing body) into a 400
/// ProblemDetails that says what was wrong, instead of a 500.
/// </summary>
internal sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        var detail = bad.InnerException is JsonException json
            ? $"The request body is not valid JSON for this endpoint: {json.Message}"
            : bad.Message;
        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = bad.StatusCode, Title = "The request could not be read", Detail = detail },
        });
    }
}
