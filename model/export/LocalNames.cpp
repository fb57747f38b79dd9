#include "export/LocalNames.h"

#include "document/Project.h"

#include <QRegularExpression>

namespace mc {

const QSet<QString> &LocalNames::reservedWords()
{
    static const QSet<QString> words = [] {
        QSet<QString> w = Project::pythonKeywords();
        for (const char *name : {"self", "torch", "nn", "math", "Tensor", "Tuple", "List", "Dict", "Optional",
                                 "getattr", "hasattr", "isinstance", "int", "float", "bool", "str", "len",
                                 "range", "print", "annotate", "super", "forward", "training"})
            w.insert(QString::fromLatin1(name));
        return w;
    }();
    return words;
}

bool LocalNames::isIdentifier(const QString &name)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    return re.match(name).hasMatch();
}

LocalNames::LocalNames(const QSet<QString> &taken) : m_used(reservedWords())
{
    m_used.unite(taken);
}

QString LocalNames::fresh(const QString &base)
{
    const QString stem = isIdentifier(base) ? base : QStringLiteral("v");
    QString name = stem;
    for (int k = 2; m_used.contains(name); ++k)
        name = QStringLiteral("%1_%2").arg(stem).arg(k);
    m_used.insert(name);
    return name;
}

} // namespace mc
