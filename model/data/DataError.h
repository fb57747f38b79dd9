#pragma once

#include <QString>

#include <stdexcept>

namespace mc {

/// A data file that cannot be used, with one sentence saying where and why
/// (`data.csv line 7, column 3 (x2): "abc" is not a number`).
class DataError : public std::runtime_error
{
public:
    explicit DataError(const QString &message)
        : std::runtime_error(message.toStdString())
    {}
    QString message() const { return QString::fromStdString(what()); }
};

} // namespace mc
