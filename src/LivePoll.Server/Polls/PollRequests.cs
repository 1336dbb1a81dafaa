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
            defined.Add(new PollOptionDefinition(optionId, text ?? ""));
        }

        var maxChoices = request.MaxChoices ?? 1;
        if (maxChoices < 1 || (options.Count >= 2 && maxChoices > options.Count))
        {
            errors["maxChoices"] = ["maxChoices is 1 for single choice, or up to the number of options."];
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
            Options = defined,
            MaxChoices = maxChoices,
            AllowVoteChange = request.AllowVoteChange ?? false,
            ResultVisibility = request.ResultVisibility ?? ResultVisibility.Always,
            OpensAt = opensAt > now ? opensAt : null,
            ClosesAt = closesAt,
            CreatedAt = now,
        });
    }

}
