#pragma once

// Shared by the data set tests.

#include "data/DataError.h"

#include <QString>

#include <functional>

/// The sentence of the DataError `f` throws, or "(no error)".
inline QString dataError(const std::function<void()> &f)
{
    try {
        f();
    } catch (const mc::DataError &e) {
        return e.message();
    }
    return QStringLiteral("(no error)");
}
