#pragma once

#include <QProcessEnvironment>
#include <QString>

#include <optional>

namespace mc {

/// Where one process stands in a data-parallel run and how it reaches the
/// others: the environment contract torchrun gives its workers, as a plain
/// struct. `modelcomposer-cli train` reads it from the environment and lets
/// flags override each field; LocalLauncher writes it for the workers it starts.
struct DistributedOptions
{
    int rank = 0;      ///< RANK: this process, from 0 to worldSize - 1.
    int worldSize = 1; ///< WORLD_SIZE: processes in the run; 1 trains alone.
    int localRank = 0; ///< LOCAL_RANK: this process among those on its machine.
    QString masterAddr = QStringLiteral("127.0.0.1"); ///< MASTER_ADDR: the host of the TCPStore.
    int masterPort = 29500; ///< MASTER_PORT: the TCPStore's port.
    /// TORCHELASTIC_USE_AGENT_STORE=True: the launcher (torchrun's agent, or
    /// LocalLauncher) hosts the TCPStore and every rank joins it as a client;
    /// otherwise rank 0 hosts it.
    bool agentStore = false;
    int restartCount = 0; ///< TORCHELASTIC_RESTART_COUNT: an agent store's keys are per attempt.
    /// MC_STORE_FILE: the ranks meet in c10d's FileStore at this path instead
    /// of a TCPStore (MASTER_ADDR and MASTER_PORT then name no store). A run
    /// whose processes are all on this machine uses it (LocalLauncher puts it
    /// in a folder only this user can enter): a TCPStore's server listens on
    /// every interface, unauthenticated. Empty: the TCPStore.
    QString storeFile;
    /// Collectives, and the wait for a rank that stopped answering, end with an
    /// error after this long (a dead peer's connection usually fails at once).
    int timeoutSeconds = 20;
    /// How long ranks wait for each other to join and to finish loading.
    int joinTimeoutSeconds = 300;

    bool isDistributed() const { return worldSize > 1; }
    /// True when the TCPStore is hosted by this process (rank 0 without an agent store).
    bool hostsStore() const { return !agentStore && rank == 0; }

    /// Reads RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT,
    /// TORCHELASTIC_USE_AGENT_STORE, TORCHELASTIC_RESTART_COUNT and MC_STORE_FILE; missing ones
    /// keep the defaults. nullopt with a sentence in `error` when one is not a
    /// whole number.
    static std::optional<DistributedOptions> fromEnvironment(const QProcessEnvironment &environment,
                                                             QString *error = nullptr);
    /// `environment` with the variables a worker of a launcher gets (as torchrun sets them).
    QProcessEnvironment toEnvironment(QProcessEnvironment environment) const;
    /// Why these options cannot start a run (a rank outside the world, a bad
    /// port or timeout), as a sentence; nullopt when they can.
    std::optional<QString> problem() const;
};

} // namespace mc
