#include "engine/sim/offline_explanation.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace lusifer {
namespace {

constexpr double kReason = 0.05;

enum class ReasonKind { kItem, kTasteMatch, kGenre, kTheme, kSimilar, kDrift };

struct Reason {
  ReasonKind kind;
  double value;
};

std::string_view genre_name(const Catalog& catalog, std::uint32_t key) {
  const auto names = catalog.genre_names();
  return key < names.size() ? std::string_view(names[key]) : std::string_view("such");
}

std::string_view similar_viewers(DemographicMatch match) {
  switch (match) {
    case DemographicMatch::kAgeGroupGenderOccupation:
      return "viewers of your age group, gender and occupation";
    case DemographicMatch::kAgeGroupGender:
      return "viewers of your age group and gender";
    case DemographicMatch::kAgeGroup:
      return "viewers of your age group";
    case DemographicMatch::kEveryone:
      break;
  }
  return "viewers in general";
}

// Plain appends and std::to_chars: explanations are written on the rating
// path, where a formatting library's parsing would be most of their cost.
void append_fixed(std::string& out, double value, int decimals, bool sign) {
  // Fixed-point by hand: std::to_chars with a precision costs hundreds of
  // instructions per number. Values here are small ratings and offsets.
  const long long unit = decimals <= 0 ? 1 : decimals == 1 ? 10 : 100;
  long long scaled = std::llround(value * static_cast<double>(unit));
  if (scaled < 0) {
    out += '-';
    scaled = -scaled;
  } else if (sign) {
    out += '+';
  }
  char buffer[24];
  const auto whole = std::to_chars(buffer, buffer + sizeof buffer, scaled / unit);
  out.append(buffer, whole.ptr);
  if (unit > 1) {
    out += '.';
    const long long fraction = scaled % unit;
    if (unit == 100 && fraction < 10)
      out += '0';
    const auto digits = std::to_chars(buffer, buffer + sizeof buffer, fraction);
    out.append(buffer, digits.ptr);
  }
}

void append_count(std::string& out, std::uint32_t value) {
  char buffer[16];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

// "above average (+0.21 over 12 ratings)", "about average (-0.02 over 3 ratings)".
void append_item_reception(std::string& out, const OfflineDrivers& d) {
  out += d.item_offset >= kReason    ? "above average ("
         : d.item_offset <= -kReason ? "below average ("
                                     : "about average (";
  append_fixed(out, d.item_offset, 2, true);
  out += " over ";
  append_count(out, d.item_support);
  out += d.item_support == 1 ? " rating)" : " ratings)";
}

void append_reason(std::string& out, const OfflineExplanationContext& context, const Reason& reason,
                   const OfflineDrivers& d) {
  const bool up = reason.value > 0;
  switch (reason.kind) {
    case ReasonKind::kItem:
      out += "other viewers rate it ";
      append_item_reception(out, d);
      break;
    case ReasonKind::kTasteMatch:
      out += up ? "viewers with tastes like yours rated it higher than expected ("
                : "viewers with tastes like yours rated it lower than expected (";
      append_fixed(out, reason.value, 2, true);
      out += ')';
      break;
    case ReasonKind::kGenre:
      out += d.user_known ? "you rate " : "viewers like you rate ";
      out += genre_name(context.catalog, d.genre_key);
      out += " films about ";
      append_fixed(out, std::abs(d.genre_affinity), 1, false);
      out += up ? " above " : " below ";
      out += d.user_known ? "your usual" : "their usual";
      break;
    case ReasonKind::kTheme:
      out += d.theme_keys[1] != OfflineDrivers::kNone ? "its themes (" : "its theme (";
      out += context.content.term(d.theme_keys[0]);
      if (d.theme_keys[1] != OfflineDrivers::kNone) {
        out += ", ";
        out += context.content.term(d.theme_keys[1]);
      }
      if (d.theme_keys[1] != OfflineDrivers::kNone)
        out += up ? ") match films you liked" : ") match films you rated low";
      else
        out += up ? ") matches films you liked" : ") matches films you rated low";
      break;
    case ReasonKind::kSimilar:
      if (d.item_support == 0)
        out += "it has no ratings yet, but ";
      out += "it resembles ";
      out += context.catalog.item(d.similar_item).title;
      out += ", which you rated ";
      append_scale_value(out, d.similar_rating);
      out += '/';
      append_scale_value(out, context.scale.max);
      break;
    case ReasonKind::kDrift:
      out += d.drift_value > 0 ? "your recent ratings raised your interest in "
                               : "your recent ratings lowered your interest in ";
      out += genre_name(context.catalog, d.drift_genre);
      out += " (";
      append_fixed(out, d.drift_value, 2, true);
      out += ')';
      break;
  }
}

void append_list(std::string& out, const OfflineExplanationContext& context,
                 std::span<const Reason> reasons, const OfflineDrivers& d) {
  for (std::size_t k = 0; k < reasons.size(); ++k) {
    if (k > 0)
      out += k + 1 == reasons.size() ? ", and " : ", ";
    append_reason(out, context, reasons[k], d);
  }
}

}  // namespace

void append_scale_value(std::string& out, double value) {
  append_fixed(out, value, std::floor(value) == value ? 0 : 1, false);
}

std::string format_scale_value(double value) {
  std::string out;
  append_scale_value(out, value);
  return out;
}

void append_offline_explanation(std::string& out, const OfflineExplanationContext& context,
                                ItemIndex, const OfflineScore& score) {
  const OfflineDrivers& d = score.drivers;
  // Explanations run to about 100-250 characters: one allocation, not a
  // string growing four times.
  out.reserve(out.size() + 256);
  std::array<Reason, 6> all{};
  std::size_t n = 0;
  auto consider = [&](ReasonKind kind, double value, bool usable) {
    if (usable && std::abs(value) >= kReason)
      all[n++] = {kind, value};
  };
  consider(ReasonKind::kItem, d.item_offset, true);
  consider(ReasonKind::kTasteMatch, d.taste_match, true);
  consider(ReasonKind::kGenre, d.genre, d.genre_key != OfflineDrivers::kNone);
  consider(ReasonKind::kTheme, d.theme, d.theme_keys[0] != OfflineDrivers::kNone);
  consider(ReasonKind::kSimilar, d.similar, d.similar_item != OfflineDrivers::kNone);
  consider(ReasonKind::kDrift, d.drift, d.drift_genre != OfflineDrivers::kNone);

  std::array<Reason, 6> ups{}, downs{};
  std::size_t n_up = 0, n_down = 0;
  double up_total = 0, down_total = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (all[k].value > 0) {
      ups[n_up++] = all[k];
      up_total += all[k].value;
    } else {
      downs[n_down++] = all[k];
      down_total -= all[k].value;
    }
  }
  auto by_size = [](const Reason& a, const Reason& b) {
    return std::abs(a.value) > std::abs(b.value);
  };
  // Stable insertion sorts: std::stable_sort would allocate a buffer for
  // these few reasons on every explanation.
  const auto stable_sort_few = [&](std::array<Reason, 6>& reasons, std::size_t count) {
    for (std::size_t k = 1; k < count; ++k) {
      const Reason moving = reasons[k];
      std::size_t j = k;
      for (; j > 0 && by_size(moving, reasons[j - 1]); --j)
        reasons[j] = reasons[j - 1];
      reasons[j] = moving;
    }
  };
  stable_sort_few(ups, n_up);
  stable_sort_few(downs, n_down);

  // The anchor: the user's usual rating (the baseline without the item).
  out += "Rated ";
  append_scale_value(out, score.rating);
  out += '/';
  append_scale_value(out, context.scale.max);
  out += d.user_known ? " against your usual " : " against a usual ";
  append_fixed(out, static_cast<double>(d.base) + d.user_offset, 1, false);
  if (!d.user_known) {
    out += " for ";
    out += similar_viewers(d.demographic_match);
  }
  out += ": ";

  const bool raised = up_total >= down_total;
  const std::span<const Reason> lead(raised ? ups.data() : downs.data(),
                                     std::min<std::size_t>(raised ? n_up : n_down, 3));
  const std::span<const Reason> other(raised ? downs.data() : ups.data(),
                                      std::min<std::size_t>(raised ? n_down : n_up, 1));
  if (n == 0) {
    out += d.item_support > 0 ? "nothing about it pulls you either way"
                              : "it has no ratings yet and resembles nothing you rated closely";
  } else {
    append_list(out, context, lead, d);
  }
  if (!other.empty()) {
    const double lead_total = raised ? up_total : down_total;
    const bool slight = std::abs(other[0].value) < 0.3 * lead_total;
    out += "; ";
    if (slight)
      out += "slightly ";
    out += raised ? "lowered because " : "raised because ";
    append_reason(out, context, other[0], d);
  }
  out += '.';
  // The item's reception is part of every score of an item with ratings;
  // when it was too small to be a reason, it still says what the rating
  // rests on (and tells items apart).
  const auto said = [&](std::span<const Reason> reasons) {
    return std::any_of(reasons.begin(), reasons.end(),
                       [](const Reason& r) { return r.kind == ReasonKind::kItem; });
  };
  if (d.item_support > 0 && !said(lead) && !said(other)) {
    out += " Other viewers rate it ";
    append_item_reception(out, d);
    out += '.';
  }
}

}  // namespace lusifer
