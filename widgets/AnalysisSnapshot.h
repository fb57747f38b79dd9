#pragma once

#include "analysis/Analysis.h"

namespace mc {

/// A copy of the document and the Analysis of that copy, kept together, so that
/// a view always reads sizes against the document they were computed from.
/// Copying the document is cheap (Qt's implicit sharing). Given the snapshot
/// before an edit, the analysis takes over what the edit did not touch.
class AnalysisSnapshot
{
public:
    explicit AnalysisSnapshot(const ProjectData &data, const AnalysisSnapshot *previous = nullptr)
        : m_data(data), m_analysis(m_data, previous ? &previous->m_analysis : nullptr)
    {
    }
    AnalysisSnapshot(const AnalysisSnapshot &) = delete;
    AnalysisSnapshot &operator=(const AnalysisSnapshot &) = delete;

    /// The document as it was analysed.
    const ProjectData &data() const { return m_data; }
    const Analysis &analysis() const { return m_analysis; }

private:
    const ProjectData m_data;
    const Analysis m_analysis;
};

} // namespace mc
