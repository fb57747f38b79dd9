#pragma once

#include "Analysis.h"

/// A copy of the document and the Analysis of that copy, kept together: an
/// Analysis refers to the ProjectData it was made from, so it must never outlive
/// it or see it change. Copying the document is cheap (Qt's implicit sharing).
class AnalysisSnapshot
{
public:
    explicit AnalysisSnapshot(const ProjectData &data) : m_data(data), m_analysis(m_data) {}
    AnalysisSnapshot(const AnalysisSnapshot &) = delete;
    AnalysisSnapshot &operator=(const AnalysisSnapshot &) = delete;

    /// The document as it was analysed.
    const ProjectData &data() const { return m_data; }
    const Analysis &analysis() const { return m_analysis; }

private:
    const ProjectData m_data;
    const Analysis m_analysis;
};
