#pragma once

#include <stdexcept>

namespace mc {

/// A module tree or a project that an export cannot write (a tree built from
/// another project, or a project the target language cannot spell); what()
/// says which part and what to do.
class ExportError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

} // namespace mc
