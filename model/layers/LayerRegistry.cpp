#include "layers/LayerRegistry.h"

#include "layers/families/Family.h"

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

} // namespace mc
