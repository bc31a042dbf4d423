//! Rules for `network`.

use super::*;

impl Rules<'_> {
    pub(super) fn network(&mut self) {
        let Some(net) = &self.spec.network else { return };
        let v = &net.vpc;
        self.range(|| "/network/vpc/zones".into(), "zones", u64::from(v.zones), 2, 6, "");
        if !(16..=24).contains(&v.cidr.prefix) {
            self.err(
                Code::OutOfRange,
                "/network/vpc/cidr".into(),
                format!("VPC block `{}` must be from /16 to /24", v.cidr),
                Some("Lift splits it into 16 subnets of at least /28".into()),
            );
        }
        if !self.spec.functions.values().any(|f| f.vpc) {
            self.out.push(
                Diagnostic::warning(Code::DanglingRef, "/network/vpc", "the VPC has no function in it")
                    .with_hint("set `vpc: true` on the functions that should run in it, or remove `network`"),
            );
        }
    }
}
