#pragma once

// Renders evaluation tables for people (a plain-text table for terminals,
// Markdown for reports) and for programs (JSON).
//
// Every rendering carries the protocol's description, whether predictions
// were rounded, the true-rating histogram beside each method's, and what each
// method is (its settings). The offline model's rows say "(not an LLM)"; the
// simulator rows name the backend and model. For Lusifer's protocol the
// paper's own figures follow as a separate block, marked as reference figures
// not computed here (paper_reference.hpp).
//
// Numbers: four decimals; an undefined value (a correlation of a constant
// predictor, a row without predictions) is "n/a" in text and Markdown and
// null in JSON. Text output is UTF-8. Pure functions; safe from any thread.

#include <string>

#include "engine/eval/evaluation_table.hpp"

namespace lusifer {

std::string render_text(const EvaluationTable& table);
std::string render_markdown(const EvaluationTable& table);
std::string render_json(const EvaluationTable& table);

std::string render_text(const FoldSummaryTable& table);
std::string render_markdown(const FoldSummaryTable& table);
std::string render_json(const FoldSummaryTable& table);

}  // namespace lusifer
