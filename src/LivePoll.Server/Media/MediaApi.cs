using LivePoll.Contracts;
using LivePoll.Server.Newsroom;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Media;

/// <summary>Photo uploads for the desk and API users, and the renditions served to everyone (<c>/media/…</c>).</summary>
internal static class MediaApi
{
    // Photos are decoded one or two at a time: a burst of uploads must not take the cores votes need.
    private static readonly SemaphoreSlim Processing = new(Math.Max(1, Environment.ProcessorCount / 2));

    public static IServiceCollection AddMedia(this IServiceCollection services)
    {
        services.AddOptions<MediaOptions>().BindConfiguration(MediaOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Widths.All(w => w is >= 64 and <= 8_000), "Media:Widths are from 64 to 8000 pixels.")
            .ValidateOnStart();
        services.AddSingleton<MediaLocation>();
        services.AddSingleton<MediaStore>();
        return services;
    }

    /// <summary>
    /// Serves the renditions at <c>/media/{name}</c> from the media folder: names are hashes of the files' bytes, so every
    /// answer may be cached for a year without asking again.
    /// </summary>
    public static WebApplication UseMedia(this WebApplication app)
    {
        var location = app.Services.GetRequiredService<MediaLocation>();
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = MediaStore.UrlPrefix.TrimEnd('/'),
            FileProvider = new PhysicalFileProvider(location.Directory),
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "public, max-age=31536000, immutable",
        });
        return app;
    }

    public static RouteGroupBuilder MapNewsroomMedia(this RouteGroupBuilder newsroom)
    {
        var group = newsroom.MapGroup("/media").WithTags("Newsroom");
        group.MapPost("/", UploadAsync)
            .WritersOnly()
            // Described, not enforced by routing: a request of another type meets the newsroom's guard first (401/403), then a 400.
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
                {
                    Required = true,
                    Description = "The photo, in the form field 'file'.",
                    Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                    {
                        ["multipart/form-data"] = new()
                        {
                            Schema = new Microsoft.OpenApi.OpenApiSchema
                            {
                                Type = Microsoft.OpenApi.JsonSchemaType.Object,
                                Required = new HashSet<string> { "file" },
                                Properties = new Dictionary<string, Microsoft.OpenApi.IOpenApiSchema>
                                {
                                    ["file"] = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, Format = "binary" },
                                },
                            },
                        },
                    },
                };
                return Task.CompletedTask;
            })
            .Produces<MediaItem>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Upload a photo")
            .WithDescription("multipart/form-data with the photo in the field 'file' (any name). JPEG, PNG or WebP, decided by the bytes "
                + "(415 otherwise, with what to do: HEIC is not decoded here); at most Media:MaxUploadBytes (20 MB, else 413) and "
                + "Media:MaxPixels (50 MP, else 400, checked before decoding); a truncated file is 400. The photo is turned upright by its "
                + "EXIF orientation, converted to sRGB and encoded anew as JPEG and WebP at Media:Widths (480, 960, 1600; never enlarged) "
                + "and as a 1200×630 JPEG crop: no rendition carries the original's metadata (EXIF, GPS, XMP, IPTC). Answers 201 with the "
                + "renditions under /media/{hash}.{jpg|webp} (cached for a year) and 'image', ready for an article's 'imageId' "
                + "(with imageAlt and imageCredit) or an <img srcset> in a body. The same file uploaded again is the same photo.");
        group.MapGet("/{mediaId}", async Task<Results<Ok<MediaItem>, ProblemHttpResult>> (string mediaId, MediaStore store) =>
                await store.GetAsync(mediaId) is { } item ? TypedResults.Ok(item) : UnknownPhoto(mediaId))
            .WithSummary("An uploaded photo and its renditions");
        return group;
    }

    private static async Task<Results<Created<MediaItem>, ProblemHttpResult>> UploadAsync(
        HttpContext context, MediaStore store, IOptions<MediaOptions> options)
    {
        var limit = options.Value.MaxUploadBytes;
        // The form's parts and boundaries need a little room beyond the file itself.
        var requestLimit = limit + 64 * 1024;
        if (context.Request.ContentLength > requestLimit)
        {
            return TooLarge(context.Request.ContentLength.Value, limit);
        }
        if (!context.Request.HasFormContentType)
        {
            return TypedResults.Problem("Send the photo as multipart/form-data, in a field named 'file'.",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Not a form");
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = requestLimit;
        }
        IFormFile? file;
        try
        {
            var form = await context.Request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = requestLimit });
            file = form.Files["file"] ?? form.Files.FirstOrDefault();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(null, limit);
        }
        catch (InvalidDataException)
        {
            return TooLarge(null, limit);
        }
        if (file is null || file.Length == 0)
        {
            return TypedResults.Problem("The request holds no file: put the photo in a form field named 'file'.",
                statusCode: StatusCodes.Status400BadRequest, title: "No photo in the request");
        }
        if (file.Length > limit)
        {
            return TooLarge(file.Length, limit);
        }
        var bytes = new byte[file.Length];
        await using (var read = file.OpenReadStream())
        {
            await read.ReadExactlyAsync(bytes);
        }

        var id = MediaStore.IdOf(bytes);
        if (await store.GetAsync(id) is { } known)
        {
            return TypedResults.Created($"/api/newsroom/media/{id}", known);
        }
        ProcessedPhoto photo;
        await Processing.WaitAsync(context.RequestAborted);
        try
        {
            photo = MediaPipeline.Process(bytes, options.Value);
        }
        catch (MediaRefusal refusal)
        {
            return TypedResults.Problem(refusal.Message, statusCode: refusal.Status, title: refusal.Title);
        }
        finally
        {
            Processing.Release();
        }
        var item = await store.AddAsync(id, photo);
        return TypedResults.Created($"/api/newsroom/media/{id}", item);
    }

    private static ProblemHttpResult TooLarge(long? size, long limit) =>
        TypedResults.Problem((size is { } bytes ? $"The file is {bytes / 1_048_576.0:0.#} MB; " : "The file is too large: ")
            + $"at most {limit / 1_048_576.0:0.#} MB is taken. Export the photo smaller (a long side of 3000–4000 pixels is plenty) and upload again.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "Photo file too large");

    private static ProblemHttpResult UnknownPhoto(string mediaId) =>
        TypedResults.Problem($"There is no uploaded photo with id '{Security.InputText.Shown(mediaId)}'.",
            statusCode: StatusCodes.Status404NotFound, title: "Unknown photo");
}
