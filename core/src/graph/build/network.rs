//! The network, for `network`: the VPC, its subnets, routes, endpoints and gateways.

use super::*;

impl Builder<'_> {
    /// Flow logs of all the VPC's traffic into a log group, written by a role
    /// that may write exactly there.
    fn flow_logs(&mut self, kept: crate::spec::units::Duration) {
        let origin = || "/network/vpc/flow_logs".to_owned();
        let log = Resource::LogGroup { retention_days: retention_days(kept), kms_key: self.kms_key(None) };
        self.add("VpcFlowLogGroup", origin(), log, true);
        let role = Resource::Role {
            service: "vpc-flow-logs.amazonaws.com",
            managed_policies: vec![],
            statements: vec![Statement {
                actions: vec![
                    "logs:CreateLogStream".into(),
                    "logs:DescribeLogGroups".into(),
                    "logs:DescribeLogStreams".into(),
                    "logs:PutLogEvents".into(),
                ],
                resources: vec![Expr::r("VpcFlowLogGroup", Attr::Arn)],
            }],
        };
        self.add("VpcFlowLogRole", origin(), role, true);
        let flow = Resource::FlowLog {
            vpc: Expr::r("Vpc", Attr::Id),
            log_group: Expr::arn("logs", Expr::Pseudo(Pseudo::Region), vec![Expr::s("log-group:"), Expr::r("VpcFlowLogGroup", Attr::Id)]),
            role: Expr::r("VpcFlowLogRole", Attr::Arn),
        };
        self.add("VpcFlowLog", origin(), flow, true);
    }

    pub(super) fn network(&mut self) {
        let Some(net) = &self.spec.network else { return };
        let v = &net.vpc;
        let vpc = Expr::r("Vpc", Attr::Id);
        self.add("Vpc", "/network/vpc".into(), Resource::Vpc { cidr: v.cidr.to_string() }, true);
        let sub_prefix = v.cidr.prefix.saturating_add(4).min(28);
        let mut private_tables = vec![];
        for z in 1..=v.zones {
            let cidr = v.cidr.subnet(sub_prefix, u32::from(z - 1)).map(|c| c.to_string()).unwrap_or_default();
            let sid = format!("VpcPrivateSubnet{z}");
            let rt = format!("VpcPrivateRouteTable{z}");
            self.add(&sid, "/network/vpc/zones".into(), Resource::Subnet { vpc: vpc.clone(), cidr, zone: z - 1, public: false }, true);
            self.add(&rt, "/network/vpc/zones".into(), Resource::RouteTable { vpc: vpc.clone() }, true);
            self.add(
                &cat(&sid, "RouteTableAssociation"),
                "/network/vpc/zones".into(),
                Resource::SubnetRouteTableAssociation { subnet: Expr::r(&sid, Attr::Id), route_table: Expr::r(&rt, Attr::Id) },
                false,
            );
            private_tables.push(Expr::r(&rt, Attr::Id));
        }
        self.add(
            "VpcFunctionSecurityGroup",
            "/network/vpc".into(),
            Resource::SecurityGroup { vpc: vpc.clone(), description: format!("{} functions: no inbound, HTTPS outbound", self.spec.app) },
            true,
        );
        // The default security group is open inside the VPC; nothing uses it,
        // so it is taken over with no rules where the tool can (not CloudFormation).
        self.add("VpcDefaultSecurityGroup", "/network/vpc".into(), Resource::DefaultSecurityGroup { vpc: vpc.clone() }, true);
        if let Some(kept) = v.flow_logs.retention() {
            self.flow_logs(kept);
        }
        let mut endpoints = v.endpoints.clone();
        endpoints.sort();
        endpoints.dedup();
        for e in endpoints {
            let id = match e {
                Endpoint::Dynamodb => "VpcDynamodbEndpoint",
                Endpoint::S3 => "VpcS3Endpoint",
            };
            self.add(
                id,
                "/network/vpc/endpoints".into(),
                Resource::VpcEndpoint { vpc: vpc.clone(), service: e.service(), route_tables: private_tables.clone() },
                true,
            );
        }
        if !v.nat {
            return;
        }
        let igw = Expr::r("VpcInternetGateway", Attr::Id);
        self.add("VpcInternetGateway", "/network/vpc/nat".into(), Resource::InternetGateway, true);
        self.add(
            "VpcGatewayAttachment",
            "/network/vpc/nat".into(),
            Resource::GatewayAttachment { vpc: vpc.clone(), gateway: igw.clone() },
            false,
        );
        self.add("VpcPublicRouteTable", "/network/vpc/nat".into(), Resource::RouteTable { vpc: vpc.clone() }, true);
        let public_rt = Expr::r("VpcPublicRouteTable", Attr::Id);
        // The route to the gateway is only valid once it is attached: no reference says so.
        self.add(
            "VpcPublicDefaultRoute",
            "/network/vpc/nat".into(),
            Resource::DefaultRoute { route_table: public_rt.clone(), target: igw, via_nat: false },
            false,
        )
        .depends_on
        .push("VpcGatewayAttachment".into());
        for z in 1..=v.zones {
            let cidr = v.cidr.subnet(sub_prefix, 8 + u32::from(z - 1)).map(|c| c.to_string()).unwrap_or_default();
            let sid = format!("VpcPublicSubnet{z}");
            self.add(&sid, "/network/vpc/nat".into(), Resource::Subnet { vpc: vpc.clone(), cidr, zone: z - 1, public: true }, true);
            self.add(
                &cat(&sid, "RouteTableAssociation"),
                "/network/vpc/nat".into(),
                Resource::SubnetRouteTableAssociation { subnet: Expr::r(&sid, Attr::Id), route_table: public_rt.clone() },
                false,
            );
            let eip = format!("VpcNatGateway{z}Eip");
            self.add(&eip, "/network/vpc/nat".into(), Resource::ElasticIp, true).depends_on.push("VpcGatewayAttachment".into());
            let nat = format!("VpcNatGateway{z}");
            self.add(
                &nat,
                "/network/vpc/nat".into(),
                Resource::NatGateway { subnet: Expr::r(&sid, Attr::Id), allocation: Expr::r(&eip, Attr::AllocationId) },
                true,
            );
            let rt = format!("VpcPrivateRouteTable{z}");
            self.add(
                &cat(&rt, "DefaultRoute"),
                "/network/vpc/nat".into(),
                Resource::DefaultRoute { route_table: Expr::r(&rt, Attr::Id), target: Expr::r(&nat, Attr::Id), via_nat: true },
                false,
            );
        }
    }
}
