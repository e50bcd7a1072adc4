#!/usr/bin/env bash
# The facts `warroom snapshot --config F --json` gathers for two regions, gathered with the
# AWS CLI the way an operator's script would: one command per call, one after another.
# Usage: awscli_snapshot.sh AWS ZONE EAST_URL WEST_URL   (AWS = path of the aws executable)
set -euo pipefail
aws=$1 zone=$2
now=$(date -u +%s)
start=$(date -u -d "@$((now - 300))" +%Y-%m-%dT%H:%M:%SZ)
end=$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ)
region_facts() { # region url load-balancer db-instance
  local region=$1 url=$2 lb=$3 db=$4
  local queries
  queries=$(cat <<JSON
[{"Id":"q0","MetricStat":{"Metric":{"Namespace":"AWS/ApplicationELB","MetricName":"RequestCount","Dimensions":[{"Name":"LoadBalancer","Value":"$lb"}]},"Period":60,"Stat":"Sum"}},
 {"Id":"q1","MetricStat":{"Metric":{"Namespace":"AWS/ApplicationELB","MetricName":"HTTPCode_Target_5XX_Count","Dimensions":[{"Name":"LoadBalancer","Value":"$lb"}]},"Period":60,"Stat":"Sum"}},
 {"Id":"q2","MetricStat":{"Metric":{"Namespace":"AWS/ApplicationELB","MetricName":"TargetResponseTime","Dimensions":[{"Name":"LoadBalancer","Value":"$lb"}]},"Period":60,"Stat":"Average"}},
 {"Id":"q3","MetricStat":{"Metric":{"Namespace":"AWS/RDS","MetricName":"ReplicaLag","Dimensions":[{"Name":"DBInstanceIdentifier","Value":"$db"}]},"Period":60,"Stat":"Maximum"}}]
JSON
)
  "$aws" cloudwatch get-metric-data --region "$region" --endpoint-url "$url" --start-time "$start" --end-time "$end" \
    --scan-by TimestampDescending --metric-data-queries "$queries" --output json
  "$aws" route53 list-resource-record-sets --region us-east-1 --endpoint-url "$url" --hosted-zone-id "$zone" \
    --start-record-name api.example.com --output json
  "$aws" rds describe-db-instances --region "$region" --endpoint-url "$url" --db-instance-identifier "$db" --output json
  "$aws" dynamodb get-item --region "$region" --endpoint-url "$url" --table-name checkout-flags \
    --key '{"flag":{"S":"writes-enabled"}}' --consistent-read --output json
}
region_facts us-east-1 "$3" app/checkout-east/1 checkout-db
region_facts us-west-2 "$4" app/checkout-west/2 checkout-db-replica
