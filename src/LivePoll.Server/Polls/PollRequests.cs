using System.Text.RegularExpressions;
using LivePoll.Contracts;
using LivePoll.Server.Security;
using Microsoft.AspNetCore.SignalR;

namespace LivePoll.Server.Polls;

/// <summary>Checks of what clients send about polls, with messages a person can act on.</summary>
public static partial class PollRequests
{
    public const int MaxOptions = 10;
    public const string OptionIdsMessage = "optionIds must list 1 to 10 option ids, each 1-16 of a-z, 0-9 or '-'.";

    [GeneratedRegex("^[a-z0-9-]{1,16}$")]
    private static partial Regex IdPattern();

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>Throws a <see cref="HubException"/> naming the problem when a poll id is malformed.</summary>
    public static void EnsureValidId(string? pollId)
    {
        if (!IsValidId(pollId))
        {
            throw new HubException($"'{Security.InputText.Shown(pollId)}' is not a poll id: ids are 1-16 of a-z, 0-9 or '-'.");
        }
    }

    /// <summary>
    /// What a vote names: its option ids when well formed (existence is the store's check), or for a words poll the entry
    /// key of its text; else null with a sentence saying what to send.
    /// </summary>
    public static (IReadOnlyList<string>? Choices, string? Problem) Choices(VoteRequest request)
    {
        if (request.Text is not null)
        {
            if (request.OptionIds is { Count: > 0 })
            {
                return (null, "Send text (a words poll) or optionIds, not both.");
            }
            var (entry, problem) = WordEntries.Normalize(request.Text);
            return entry is null ? (null, problem) : ([WordEntries.Key(entry)], null);
        }
        return ValidOptionIds(request.OptionIds) is { } optionIds ? (optionIds, null) : (null, OptionIdsMessage);
    }

    /// <summary>The option ids when they are well formed (existence is the store's check), else null.</summary>
    public static IReadOnlyList<string>? ValidOptionIds(IReadOnlyList<string>? optionIds) =>
        optionIds is { Count: > 0 and <= MaxOptions } && optionIds.All(IsValidId) ? optionIds : null;

    /// <summary>Validates a new poll; returns the errors by field (empty when valid) and the definition.</summary>
    public static (Dictionary<string, string[]> Errors, PollDefinition? Poll) Validate(CreatePollRequest request, string id, DateTime now)
    {
        var errors = new Dictionary<string, string[]>();
        var question = InputText.Clean(request.Question)?.Trim();
        if (string.IsNullOrEmpty(question) || question.Length > 500)
        {
            errors["question"] = ["Give the question, 1 to 500 characters."];
        }

        var kind = request.Kind ?? PollKind.Choice;
        if (!Enum.IsDefined(kind))
        {
            errors["kind"] = ["kind is one of Choice, Quiz, Rating, Ranking, Words."];
        }
        var defined = kind switch
        {
            PollKind.Rating => RatingScale(request, errors),
            PollKind.Words => NoOptions(request, errors),
            _ => Options(request, kind, errors),
        };

        if (request.Quiz is not null && (kind != PollKind.Quiz || !IsValidId(request.Quiz)))
        {
            errors["quiz"] = ["quiz groups quiz questions: 1-16 of a-z, 0-9 or '-', and only on a poll of kind Quiz."];
        }
        var maxChoices = request.MaxChoices ?? 1;
        if (kind == PollKind.Ranking)
        {
            // A ranking orders every option: the store checks a vote names each of them once.
            maxChoices = defined.Count;
        }
        else if (maxChoices < 1 || (defined.Count >= 2 && maxChoices > defined.Count))
        {
            errors["maxChoices"] = ["maxChoices is 1 for single choice, or up to the number of options."];
        }
        else if (kind == PollKind.Words)
        {
            if (maxChoices != 1)
            {
                errors["maxChoices"] = ["A words poll takes one entry per voter: leave maxChoices at 1."];
            }
        }
        else if (maxChoices > 1 && kind is PollKind.Quiz or PollKind.Rating)
        {
            errors["maxChoices"] = [$"A {kind.ToString().ToLowerInvariant()} poll takes one answer per voter: leave maxChoices at 1."];
        }
        if (request.ResultVisibility is { } visibility && !Enum.IsDefined(visibility))
        {
            errors["resultVisibility"] = ["resultVisibility is one of Always, AfterVote, AfterClose, NewsroomOnly."];
        }
        var opensAt = request.OpensAt?.ToUniversalTime();
        var closesAt = request.ClosesAt?.ToUniversalTime();
        if (closesAt is { } closes && (closes <= now || closes <= opensAt))
        {
            errors["closesAt"] = ["closesAt must be in the future and after opensAt."];
        }

        if (errors.Count > 0)
        {
            return (errors, null);
        }
        return (errors, new PollDefinition
        {
            Id = id,
            Question = question!,
            Kind = kind,
            Quiz = request.Quiz,
            Options = defined,
            MaxChoices = maxChoices,
            AllowVoteChange = request.AllowVoteChange ?? false,
            ResultVisibility = request.ResultVisibility ?? ResultVisibility.Always,
            OpensAt = opensAt > now ? opensAt : null,
            ClosesAt = closesAt,
            CreatedAt = now,
        });
    }

    /// <summary>The options as the newsroom gave them, checked: ids, texts, a quiz's correct answers, photos with alt text.</summary>
    private static List<PollOptionDefinition> Options(CreatePollRequest request, PollKind kind, Dictionary<string, string[]> errors)
    {
        var options = request.Options ?? [];
        if (options.Count is < 2 or > MaxOptions)
        {
            errors["options"] = [$"Give 2 to {MaxOptions} options."];
        }
        var defined = new List<PollOptionDefinition>();
        for (var i = 0; i < options.Count; i++)
        {
            var option = options[i];
            var optionId = string.IsNullOrEmpty(option?.Id) ? (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : option.Id;
            var text = InputText.Clean(option?.Text)?.Trim();
            if (!IsValidId(optionId))
            {
                errors[$"options[{i}].id"] = ["Option ids are 1-16 of a-z, 0-9 or '-'."];
            }
            else if (defined.Any(d => d.Id == optionId))
            {
                errors[$"options[{i}].id"] = [$"Option id '{optionId}' is used twice."];
            }
            if (string.IsNullOrEmpty(text) || text.Length > 300)
            {
                errors[$"options[{i}].text"] = ["Give the option's text, 1 to 300 characters."];
            }
            if (option?.Correct == true && kind != PollKind.Quiz)
            {
                errors[$"options[{i}].correct"] = ["Only a quiz has correct answers: set kind to Quiz, or leave correct out."];
            }
            var (imageUrl, imageAlt) = Image(option, i, errors);
            defined.Add(new PollOptionDefinition(optionId, text ?? "", option?.Correct == true, imageUrl, imageAlt));
        }
        if (kind == PollKind.Quiz && options.Count >= 2 && !defined.Any(o => o.Correct))
        {
            errors["options"] = ["Mark at least one option of a quiz as correct (\"correct\": true)."];
        }
        if (kind == PollKind.Quiz && options.Count >= 2 && defined.All(o => o.Correct))
        {
            errors["options"] = ["A quiz needs at least one wrong option: every option is marked correct."];
        }
        return defined;
    }

    /// <summary>An option's photo: a site path or an https URL, with alt text; (null, null) when it has none.</summary>
    private static (string? Url, string? Alt) Image(CreatePollOption? option, int index, Dictionary<string, string[]> errors)
    {
        var url = option?.ImageUrl?.Trim();
        var alt = InputText.Clean(option?.ImageAlt)?.Trim();
        if (string.IsNullOrEmpty(url))
        {
            return (null, null);
        }
        var sitePath = url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal);
        var https = Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme == Uri.UriSchemeHttps;
        if (url.Length > 500 || !(sitePath || https) || url.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '<' or '>'))
        {
            errors[$"options[{index}].imageUrl"] = ["imageUrl is a site path (/media/… from the media upload) or an https URL, up to 500 characters."];
        }
        if (string.IsNullOrEmpty(alt) || alt.Length > 300)
        {
            errors[$"options[{index}].imageAlt"] = ["Say what the option's photo shows (imageAlt, 1 to 300 characters), for readers who cannot see it."];
        }
        return (url, alt);
    }

    /// <summary>A words poll has no options: readers write their own.</summary>
    private static List<PollOptionDefinition> NoOptions(CreatePollRequest request, Dictionary<string, string[]> errors)
    {
        if (request.Options is { Count: > 0 })
        {
            errors["options"] = ["A words poll takes no options: readers send their own word or short phrase."];
        }
        return [];
    }

    /// <summary>A rating poll's options: the scale's values, ids and texts "1" … "5".</summary>
    private static List<PollOptionDefinition> RatingScale(CreatePollRequest request, Dictionary<string, string[]> errors)
    {
        if (request.Options is { Count: > 0 })
        {
            errors["options"] = ["A rating poll takes no options: give scaleMin (0 or 1) and scaleMax (2 to 10); its options are the values."];
        }
        var (min, max) = (request.ScaleMin ?? 1, request.ScaleMax ?? 5);
        if (min is not (0 or 1))
        {
            errors["scaleMin"] = ["scaleMin is 0 or 1."];
        }
        if (max is < 2 or > 10)
        {
            errors["scaleMax"] = ["scaleMax is 2 to 10."];
        }
        return min is 0 or 1 && max is >= 2 and <= 10
            ? Enumerable.Range(min, max - min + 1).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Select(v => new PollOptionDefinition(v, v)).ToList()
            : [];
    }
}
