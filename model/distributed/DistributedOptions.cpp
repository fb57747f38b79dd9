#include "distributed/DistributedOptions.h"

namespace mc {

namespace {

bool readWhole(const QProcessEnvironment &env, const char *name, int *value, QString *error)
{
    const QString key = QLatin1String(name);
    if (!env.contains(key))
        return true;
    bool ok = false;
    const int n = env.value(key).trimmed().toInt(&ok);
    if (!ok) {
        if (error)
            *error = QStringLiteral("%1=%2 is not a whole number.").arg(key, env.value(key));
        return false;
    }
    *value = n;
    return true;
}

} // namespace

std::optional<DistributedOptions> DistributedOptions::fromEnvironment(const QProcessEnvironment &env, QString *error)
{
    DistributedOptions o;
    if (!readWhole(env, "RANK", &o.rank, error) || !readWhole(env, "WORLD_SIZE", &o.worldSize, error) ||
        !readWhole(env, "LOCAL_RANK", &o.localRank, error) || !readWhole(env, "MASTER_PORT", &o.masterPort, error) ||
        !readWhole(env, "TORCHELASTIC_RESTART_COUNT", &o.restartCount, error))
        return std::nullopt;
    if (env.contains(QStringLiteral("MASTER_ADDR")) && !env.value(QStringLiteral("MASTER_ADDR")).isEmpty())
        o.masterAddr = env.value(QStringLiteral("MASTER_ADDR"));
    // torchrun writes str(True) or str(False).
    o.agentStore = env.value(QStringLiteral("TORCHELASTIC_USE_AGENT_STORE")) == QLatin1String("True");
    o.storeFile = env.value(QStringLiteral("MC_STORE_FILE"));
    return o;
}

QProcessEnvironment DistributedOptions::toEnvironment(QProcessEnvironment env) const
{
    env.insert(QStringLiteral("RANK"), QString::number(rank));
    env.insert(QStringLiteral("WORLD_SIZE"), QString::number(worldSize));
    env.insert(QStringLiteral("LOCAL_RANK"), QString::number(localRank));
    env.insert(QStringLiteral("MASTER_ADDR"), masterAddr);
    env.insert(QStringLiteral("MASTER_PORT"), QString::number(masterPort));
    env.insert(QStringLiteral("TORCHELASTIC_USE_AGENT_STORE"), agentStore ? QStringLiteral("True") : QStringLiteral("False"));
    env.insert(QStringLiteral("TORCHELASTIC_RESTART_COUNT"), QString::number(restartCount));
    if (storeFile.isEmpty())
        env.remove(QStringLiteral("MC_STORE_FILE"));
    else
        env.insert(QStringLiteral("MC_STORE_FILE"), storeFile);
    return env;
}

std::optional<QString> DistributedOptions::problem() const
{
    if (worldSize < 1)
        return QStringLiteral("The world size must be at least 1, not %1.").arg(worldSize);
    if (rank < 0 || rank >= worldSize)
        return QStringLiteral("Rank %1 is outside a world of %2 process(es) (ranks 0 to %3).")
            .arg(rank).arg(worldSize).arg(worldSize - 1);
    if (localRank < 0)
        return QStringLiteral("The local rank must not be negative, not %1.").arg(localRank);
    if (worldSize > 1 && (masterPort < 1 || masterPort > 65535))
        return QStringLiteral("The master port must be between 1 and 65535, not %1.").arg(masterPort);
    if (worldSize > 1 && masterAddr.trimmed().isEmpty())
        return QStringLiteral("The master address is empty.");
    if (timeoutSeconds < 1 || joinTimeoutSeconds < 1)
        return QStringLiteral("Timeouts must be at least one second.");
    return std::nullopt;
}

} // namespace mc
