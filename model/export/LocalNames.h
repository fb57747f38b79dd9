#pragma once

#include <QSet>
#include <QString>

namespace mc {

/// Names for the variables of generated code (TorchScript or Python): each
/// is an identifier taken from a base (`fc1`, `encoder`), not a reserved word
/// and not given before; a taken base gets a number (`shared_module_2`).
class LocalNames
{
public:
    /// Python keywords and the names generated code resolves globally
    /// (`torch`, `self`, `nn`, `int`, …): no variable may take one.
    static const QSet<QString> &reservedWords();
    /// Whether `name` is a Python identifier.
    static bool isIdentifier(const QString &name);

    /// Starts with the reserved words and `taken` given out already.
    explicit LocalNames(const QSet<QString> &taken = {});

    /// A name from `base` (or `v` when it is no identifier), now taken.
    QString fresh(const QString &base);
    /// Marks `name` as taken.
    void take(const QString &name) { m_used.insert(name); }
    bool isTaken(const QString &name) const { return m_used.contains(name); }

private:
    QSet<QString> m_used;
};

} // namespace mc
