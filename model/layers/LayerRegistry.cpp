#include "layers/LayerRegistry.h"

#include "layers/families/Family.h"

#include <QHash>

namespace mc {

namespace {

QList<LayerDefinition> makeRegistry()
{
    // The explicit list, in palette order. A family's file defines its layers;
    // adding a family means one line here and one in Family.h.
    QList<LayerDefinition> all;
    for (QList<LayerDefinition> (*family)() :
         {family::linearLayers, family::convolutionLayers, family::poolingLayers, family::normalizationLayers,
          family::activationLayers, family::shapeLayers, family::operatorLayers})
        all.append(family());
    return all;
}

} // namespace

const QList<LayerDefinition> &LayerRegistry::all()
{
    static const QList<LayerDefinition> registry = makeRegistry();
    return registry;
}

const LayerDefinition *LayerRegistry::find(const QString &name)
{
    static const QHash<QString, const LayerDefinition *> byName = [] {
        QHash<QString, const LayerDefinition *> h;
        for (const LayerDefinition &d : all())
            h.insert(d.name, &d);
        return h;
    }();
    return byName.value(name, nullptr);
}

QString LayerRegistry::markdownTable()
{
    auto optionText = [](const OptionSpec &o) {
        QString text = QStringLiteral("`%1`").arg(o.name);
        if (o.required)
            return text + QStringLiteral(" (required)");
        if (o.inferable)
            return text + QStringLiteral(" (from the input)");
        if (o.kind == OptionKind::Choice)
            return text + QStringLiteral(" = %1 (%2)").arg(o.defaultChoice, o.choices.join(QStringLiteral("|")));
        if (o.noneByDefault())
            return text + QStringLiteral(" = None");
        if (o.kind == OptionKind::Boolean)
            return text + (o.defaultValue.value(0) != 0 ? QStringLiteral(" = true") : QStringLiteral(" = false"));
        return text + QStringLiteral(" = ") + LayerDefinition::valueText(ResolvedValue{o.defaultValue, {}});
    };
    QString out = QStringLiteral("| layer | group | ports | options (default) | what it does |\n"
                                 "|---|---|---|---|---|\n");
    for (const LayerDefinition &d : all()) {
        QStringList options;
        for (const OptionSpec &o : d.options)
            options.append(optionText(o));
        out += QStringLiteral("| `%1` | %2 | %3 → %4 | %5 | %6 |\n")
                   .arg(d.name, d.category, d.inputs.join(QStringLiteral(", ")), d.outputs.join(QStringLiteral(", ")),
                        options.isEmpty() ? QStringLiteral("–") : options.join(QStringLiteral(", ")),
                        QString(d.doc).replace(QLatin1Char('|'), QStringLiteral("\\|")));
    }
    return out;
}

} // namespace mc
