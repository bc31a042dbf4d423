//! The Route 53 side of recovery, for `recovery.dns`.

use super::*;

impl Builder<'_> {
    /// The Route 53 side of recovery: the HTTP API under the app's DNS name in
    /// this region (a custom domain and its mapping), a health check of the
    /// region's own endpoint, and its record: failover (the primary, then the
    /// first standby) or weighted (active-active, every region equal).
    pub(super) fn recovery_dns(&mut self) {
        let (Some(r), Some(_)) = (&self.spec.recovery, &self.spec.http) else { return };
        let Some(dns) = &r.dns else { return };
        let region = self.g.region.clone();
        let routing = match r.mode {
            crate::spec::RecoveryMode::ActiveActive => DnsRouting::Weighted(1),
            _ if region == self.spec.regions.primary => DnsRouting::Primary,
            _ if self.spec.regions.standby.first() == Some(&region) => DnsRouting::Secondary,
            // Failover routing has one secondary: later standbys are reached by the failover machine.
            _ => return,
        };
        self.g.parameters.push(Parameter {
            name: "CertificateArn".into(),
            description: format!(
                "ACM certificate for {} in this region (regional API domains need a certificate of their own region)",
                dns.name
            ),
            default: None,
        });
        let domain = Resource::ApiDomain { name: dns.name.clone(), certificate: Expr::Param("CertificateArn".into()) };
        self.add("ApiDomain", "/recovery/dns/name".into(), domain, true);
        let mapping = Resource::ApiMapping { api: Expr::r("HttpApi", Attr::Id), domain: Expr::r("ApiDomain", Attr::Id) };
        self.add("ApiDomainMapping", "/recovery/dns".into(), mapping, false).depends_on.push("HttpApiStage".into());
        // Route 53 checks every 10 or 30 seconds, up to 10 failures: the closest to the spec's probes.
        let interval_s = if r.probe.interval.as_millis() >= 30_000 { 30 } else { 10 };
        let fqdn = Expr::Join(vec![
            Expr::r("HttpApi", Attr::Id),
            Expr::s(".execute-api."),
            Expr::Pseudo(Pseudo::Region),
            Expr::s("."),
            Expr::Pseudo(Pseudo::UrlSuffix),
        ])
        .simplify();
        let check = Resource::HealthCheck { fqdn, path: r.probe.path.clone(), interval_s, failures: r.probe.failures.clamp(1, 10) };
        self.add("RegionHealthCheck", "/recovery/probe".into(), check, false);
        let record = Resource::DnsRecord {
            zone_id: dns.zone_id.clone(),
            name: dns.name.clone(),
            set_id: region,
            routing,
            health_check: Expr::r("RegionHealthCheck", Attr::Id),
            target: Expr::r("ApiDomain", Attr::RegionalDomainName),
            target_zone: Expr::r("ApiDomain", Attr::RegionalHostedZoneId),
        };
        self.add("DnsRecord", "/recovery/dns".into(), record, false);
        self.output("DnsName", "The app's DNS name, served by the healthy region", Expr::s(dns.name.clone()));
    }
}
