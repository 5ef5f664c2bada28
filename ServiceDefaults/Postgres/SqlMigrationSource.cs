using System.Reflection;

namespace Montage.ServiceDefaults.Postgres;

/// <summary>
/// Where a service's migration scripts are embedded: its assembly and the manifest resource prefix of its
/// <c>Migrations/</c> folder (e.g. <c>Montage.JobTracking.Persistence.Migrations.</c>).
/// </summary>
public sealed record SqlMigrationSource(Assembly Assembly, string ResourcePrefix);
