#include "engine/sim/offline_profile.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "engine/sim/offline_explanation.hpp"

namespace lusifer {
namespace {

struct Section {
  LeaningKind kind;
  bool liked;
  std::string_view header;
};

constexpr Section kSections[] = {
    {LeaningKind::kGenre, true, "Genres rated above their average: "},
    {LeaningKind::kGenre, false, "Genres rated below it: "},
    {LeaningKind::kTheme, true, "Themes they enjoy: "},
    {LeaningKind::kTheme, false, "Themes they avoid: "},
    {LeaningKind::kEra, true, "Eras they favour: "},
    {LeaningKind::kEra, false, "Eras they like less: "},
};
constexpr std::string_view kDriftHeader = "Recent shifts from feedback: ";
constexpr std::string_view kNoFilms = ", with no rated films yet.";
constexpr double kNotable = 0.05;

std::string_view films(std::uint32_t count) {
  return count == 1 ? "film" : "films";
}

bool starts_with_vowel_sound(std::string_view words) {
  if (words.empty())
    return false;
  const char c = words.front();
  if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'A' || c == 'E' ||
      c == 'I' || c == 'O' || c == 'U')
    return true;
  // "an 8-", "an 11-", "an 18-year-old".
  return words.starts_with("8") || words.starts_with("11-") || words.starts_with("18-");
}

std::string describe_person(const std::optional<Demographics>& demographics) {
  if (!demographics)
    return "a viewer with no demographic details";
  const Demographics& d = *demographics;
  std::string words;
  if (d.age_group.empty() && d.age)
    words += fmt::format("{}-year-old ", *d.age);
  if (d.gender == "M" || d.gender == "m") {
    words += "male ";
  } else if (d.gender == "F" || d.gender == "f") {
    words += "female ";
  } else if (!d.gender.empty()) {
    words += d.gender;
    words += ' ';
  }
  if (d.occupation.empty() || d.occupation == "none" || d.occupation == "other")
    words += "viewer";
  else
    words += d.occupation;
  if (!d.age_group.empty()) {
    words += " aged ";
    words += d.age_group;
  }
  return (starts_with_vowel_sound(words) ? "an " : "a ") + words;
}

std::string leaning_name(const OfflineProfileContext& context, LeaningKind kind,
                         std::uint32_t key) {
  switch (kind) {
    case LeaningKind::kGenre: {
      const auto names = context.catalog.genre_names();
      return key < names.size() ? names[key] : std::string();
    }
    case LeaningKind::kTheme:
      return key < context.content.term_count() ? context.content.term(key) : std::string();
    case LeaningKind::kEra:
      break;
  }
  return fmt::format("the {}s", key);
}

std::optional<std::uint32_t> leaning_key(const OfflineProfileContext& context, LeaningKind kind,
                                         std::string_view name) {
  switch (kind) {
    case LeaningKind::kGenre:
      if (const auto g = context.catalog.genre_index(name))
        return static_cast<std::uint32_t>(*g);
      return std::nullopt;
    case LeaningKind::kTheme:
      return context.content.find_term(name);
    case LeaningKind::kEra:
      break;
  }
  if (!name.starts_with("the ") || !name.ends_with("s"))
    return std::nullopt;
  name.remove_prefix(4);
  name.remove_suffix(1);
  std::uint32_t decade = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), decade);
  if (ec != std::errc() || end != name.data() + name.size())
    return std::nullopt;
  return decade;
}

template <class T>
std::optional<T> parse_number(std::string_view text) {
  if (!text.empty() && text.front() == '+')
    text.remove_prefix(1);
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

void append_expectation(std::string& out, const OfflineProfileContext& context) {
  const auto names = context.catalog.genre_names();
  std::vector<std::pair<float, std::size_t>> liked, disliked;
  for (std::size_t g = 0; g < context.expected_affinities.size() && g < names.size(); ++g) {
    const float a = context.expected_affinities[g];
    if (!printable_in_profile(names[g]))
      continue;
    if (a >= kNotable)
      liked.emplace_back(-a, g);
    if (a <= -kNotable)
      disliked.emplace_back(a, g);
  }
  std::sort(liked.begin(), liked.end());
  std::sort(disliked.begin(), disliked.end());
  out += context.user_known                             ? " Their rating history suggests they "
         : context.match == DemographicMatch::kEveryone ? " Viewers in general "
                                                        : " Viewers like them (same age group";
  if (!context.user_known && context.match != DemographicMatch::kEveryone) {
    if (context.match == DemographicMatch::kAgeGroupGender)
      out += " and gender";
    if (context.match == DemographicMatch::kAgeGroupGenderOccupation)
      out += ", gender and occupation";
    out += ") ";
  }
  if (liked.empty() && disliked.empty()) {
    out += context.user_known ? "have no strong genre leanings." : "show no strong genre leanings.";
    return;
  }
  if (!liked.empty()) {
    out += context.user_known ? "favour " : "tend to favour ";
    out += names[liked[0].second];
    if (liked.size() > 1) {
      out += " and ";
      out += names[liked[1].second];
    }
  }
  if (!disliked.empty()) {
    out += liked.empty() ? (context.user_known ? "rate " : "tend to rate ") : " and rate ";
    out += names[disliked[0].second];
    out += " low";
  }
  out += '.';
}

std::string capitalized(std::string sentence) {
  if (!sentence.empty() && sentence.front() >= 'a' && sentence.front() <= 'z')
    sentence.front() = static_cast<char>(sentence.front() - 'a' + 'A');
  return sentence;
}

std::string subject(const OfflineProfileContext& context, LeaningKind kind, std::uint32_t key) {
  switch (kind) {
    case LeaningKind::kGenre:
      return leaning_name(context, kind, key);
    case LeaningKind::kTheme:
      return fmt::format("the theme '{}'", leaning_name(context, kind, key));
    case LeaningKind::kEra:
      break;
  }
  return leaning_name(context, kind, key);
}

std::string unit(const OfflineProfileContext& context, LeaningKind kind, std::uint32_t key,
                 std::uint32_t count) {
  switch (kind) {
    case LeaningKind::kGenre:
      return fmt::format("{} {}", leaning_name(context, kind, key), films(count));
    case LeaningKind::kTheme:
      return fmt::format("{} about '{}'", films(count), leaning_name(context, kind, key));
    case LeaningKind::kEra:
      break;
  }
  return fmt::format("{} from {}", films(count), leaning_name(context, kind, key));
}

}  // namespace

bool printable_in_profile(std::string_view name) noexcept {
  if (name.empty() || name.front() == ' ' || name.back() == ' ')
    return false;
  return name.find_first_of("().,:;\n\r\t") == std::string_view::npos;
}

std::string render_offline_profile(const OfflineProfileContext& context,
                                   const OfflineUserState& state) {
  std::string out;
  out.reserve(640);
  auto to = std::back_inserter(out);
  const OfflineTaste& taste = state.taste;
  fmt::format_to(to, "{} of {}", kOfflineProfileMarker, describe_person(context.demographics));
  if (taste.rated == 0) {
    out += kNoFilms;
    append_expectation(out, context);
  } else {
    fmt::format_to(to, ", from {} rated {} averaging {:.2f}/{}.", taste.rated, films(taste.rated),
                   taste.mean, format_scale_value(context.scale.max));
  }
  for (const Section& section : kSections) {
    bool any = false;
    for (const OfflineLeaning& l : taste.of(section.kind)) {
      if ((l.value > 0) != section.liked || l.value == 0)
        continue;
      out += any ? ", " : " ";
      if (!any)
        out += section.header;
      any = true;
      fmt::format_to(to, "{} ({:+.2f}, {} {})", leaning_name(context, section.kind, l.key), l.value,
                     l.count, films(l.count));
    }
    if (any)
      out += '.';
  }
  if (!state.drift.empty()) {
    out += ' ';
    out += kDriftHeader;
    for (std::size_t k = 0; k < state.drift.size(); ++k) {
      if (k > 0)
        out += ", ";
      fmt::format_to(to, "{} {:+.2f}",
                     leaning_name(context, LeaningKind::kGenre, state.drift[k].genre),
                     state.drift[k].value);
    }
    out += '.';
  }
  return out;
}

std::optional<OfflineProfileState> parse_offline_profile(const OfflineProfileContext& context,
                                                         std::string_view text) {
  const auto marker = text.find(kOfflineProfileMarker);
  if (marker == std::string_view::npos)
    return std::nullopt;
  text.remove_prefix(marker + kOfflineProfileMarker.size());

  OfflineProfileState state;
  // ", from N rated film(s) averaging M/max." (the person's description
  // comes first and may contain anything but this phrase).
  std::size_t body = text.find(kNoFilms);
  for (std::size_t at = text.find(", from "); at != std::string_view::npos && body == text.npos;
       at = text.find(", from ", at + 1)) {
    std::string_view rest = text.substr(at + 7);
    const auto space = rest.find(' ');
    const auto count = parse_number<std::uint32_t>(rest.substr(0, space));
    if (!count || space == rest.npos)
      continue;
    rest.remove_prefix(space);
    const auto averaging = rest.find(" averaging ");
    if (!(rest.starts_with(" rated film") && averaging != rest.npos))
      continue;
    rest.remove_prefix(averaging + 11);
    const auto slash = rest.find('/');
    const auto mean = parse_number<float>(rest.substr(0, slash));
    if (!mean)
      continue;
    state.taste.rated = *count;
    state.taste.mean = *mean;
    body = at;
  }
  if (body == text.npos)
    return std::nullopt;
  text.remove_prefix(body);

  for (const Section& section : kSections) {
    const auto start = text.find(section.header);
    if (start == text.npos)
      continue;
    std::string_view list = text.substr(start + section.header.size());
    const auto end = list.find(").");
    if (end == list.npos)
      continue;
    list = list.substr(0, end);  // without the last ")"
    auto& leanings = state.taste.of(section.kind);
    while (!list.empty()) {
      const auto next = list.find("), ");
      const std::string_view entry = list.substr(0, next);
      list = next == list.npos ? std::string_view() : list.substr(next + 3);
      const auto open = entry.rfind(" (");
      if (open == entry.npos)
        continue;
      const std::string_view numbers = entry.substr(open + 2);
      const auto comma = numbers.find(", ");
      if (comma == numbers.npos)
        continue;
      const auto value = parse_number<float>(numbers.substr(0, comma));
      const std::string_view count_text = numbers.substr(comma + 2);
      const auto count = parse_number<std::uint32_t>(count_text.substr(0, count_text.find(' ')));
      const auto key = leaning_key(context, section.kind, entry.substr(0, open));
      if (!value || !count || !key)
        continue;
      leanings.push_back({*key, *value, *count});
    }
  }

  if (const auto start = text.find(kDriftHeader); start != text.npos) {
    // The shifts close the profile; the last one ends with a full stop.
    std::string_view list = text.substr(start + kDriftHeader.size());
    while (!list.empty() && (list.back() == ' ' || list.back() == '\n' || list.back() == '.'))
      list.remove_suffix(1);
    while (!list.empty()) {
      const auto next = list.find(", ");
      const std::string_view entry = list.substr(0, next);
      list = next == list.npos ? std::string_view() : list.substr(next + 2);
      const auto space = entry.rfind(' ');
      if (space == entry.npos)
        continue;
      const auto value = parse_number<float>(entry.substr(space + 1));
      const auto key = leaning_key(context, LeaningKind::kGenre, entry.substr(0, space));
      if (!value || !key || *key >= 64)
        continue;
      state.drift.push_back({static_cast<std::uint8_t>(*key), *value});
    }
  }
  return state;
}

std::string describe_offline_change(const OfflineProfileContext& context,
                                    const OfflineChangeInput& input) {
  const std::size_t n = input.batch.size();
  double batch_sum = 0;
  for (const Interaction& i : input.batch)
    batch_sum += i.rating;
  const double batch_mean = n > 0 ? batch_sum / static_cast<double>(n) : 0.0;
  const std::string max = format_scale_value(context.scale.max);
  const auto count = static_cast<std::uint32_t>(n);

  if (input.before.rated == 0 && input.drift_before.empty()) {
    if (n == 0)
      return "No rated films yet, so nothing has changed.";
    std::string out = fmt::format("First impressions from {} {} averaging {:.1f}/{}: ", n,
                                  films(count), batch_mean, max);
    const OfflineLeaning* liked = nullptr;
    const OfflineLeaning* disliked = nullptr;
    for (const OfflineLeaning& l : input.after.genres) {
      if (l.value > 0 && !liked)
        liked = &l;
      if (l.value < 0 && !disliked)
        disliked = &l;
    }
    if (!liked && !disliked)
      return out + "no genre stands out yet.";
    if (liked)
      out += fmt::format("{} stands out as a favourite ({:+.2f})",
                         leaning_name(context, LeaningKind::kGenre, liked->key), liked->value);
    if (disliked)
      out +=
          fmt::format("{}{} as a dislike ({:+.2f})", liked ? " and " : "",
                      leaning_name(context, LeaningKind::kGenre, disliked->key), disliked->value);
    return out + '.';
  }

  // The largest drift move, to compare with the largest taste move.
  double drift_move = 0;
  std::uint32_t drift_genre = 0;
  float drift_old = 0, drift_new = 0;
  for (std::uint32_t g = 0; g < 64; ++g) {
    float before = 0, after = 0;
    for (const OfflineDrift& d : input.drift_before)
      if (d.genre == g)
        before = d.value;
    for (const OfflineDrift& d : input.drift_after)
      if (d.genre == g)
        after = d.value;
    if (std::abs(after - before) > drift_move + 1e-9) {
      drift_move = std::abs(after - before);
      drift_genre = g;
      drift_old = before;
      drift_new = after;
    }
  }
  const double taste_move = input.change ? input.change->moved : 0.0;

  if (drift_move >= kNotable && drift_move > taste_move) {
    const std::string genre = leaning_name(context, LeaningKind::kGenre, drift_genre);
    const bool up = drift_new > drift_old;
    return fmt::format(
        "Feedback moved their interest in {} {} from {:+.2f} to {:+.2f}: they rated {} films {} "
        "than the model expected.",
        genre, up ? "up" : "down", drift_old, drift_new, genre, up ? "higher" : "lower");
  }
  if (!input.change) {
    return fmt::format(
        "No notable change: the batch's {} {} (average {:.1f}/{}) fit the existing "
        "profile.",
        n, films(count), batch_mean, max);
  }

  const OfflineTasteChange& c = *input.change;
  const std::string who = subject(context, c.kind, c.key);
  const std::string why =
      c.batch_count > 0
          ? fmt::format("the batch's {} {} averaged {:.1f}/{} against an overall {:.2f}",
                        c.batch_count, unit(context, c.kind, c.key, c.batch_count), c.batch_mean,
                        max, input.after.mean)
          : fmt::format("the batch had none, but its {} {} moved the average from {:.2f} to {:.2f}",
                        n, films(count), input.before.mean, input.after.mean);
  const char* era_prefix = c.kind == LeaningKind::kEra ? "Films from " : "";
  if (c.before && c.kept) {
    return fmt::format("Their leaning toward {} {} from {:+.2f} to {:+.2f}: {}.", who,
                       c.after > *c.before ? "rose" : "fell", *c.before, c.after, why);
  }
  if (c.kept) {
    return capitalized(fmt::format("{}{} entered the profile as a {} ({:+.2f}): {}.", era_prefix,
                                   who, c.after > 0 ? "like" : "dislike", c.after, why));
  }
  if (c.before) {
    return capitalized(fmt::format("{}{} ({:+.2f}) dropped out of the profile at {:+.2f}: {}.",
                                   era_prefix, who, *c.before, c.after, why));
  }
  return capitalized(
      fmt::format("{}{} {} to {:+.2f} but stronger leanings keep it out of the "
                  "profile: {}.",
                  era_prefix, who, c.after > 0 ? "rose" : "fell", c.after, why));
}

}  // namespace lusifer
