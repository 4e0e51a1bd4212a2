#!/usr/bin/env bash
# pillarbox.ova: an OVF 1.0 package (descriptor + streamOptimized VMDK + manifest) that
# VirtualBox and VMware import: 2 vCPUs, 2 GiB, BIOS boot, one NIC (NAT), the disk on SATA.
source "${PILLARBOX_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}/packer/scripts/common.sh"
cd "$OUT"
[ -f pillarbox.vmdk ] || die "no pillarbox.vmdk"
stage=$WORK/ova
rm -rf "$stage" && mkdir -p "$stage"
cp pillarbox.vmdk "$stage/pillarbox-disk1.vmdk"
capacity=$(stat -c %s pillarbox.raw)
vmdk_size=$(stat -c %s "$stage/pillarbox-disk1.vmdk")
cat >"$stage/pillarbox.ovf" <<OVF
<?xml version="1.0" encoding="UTF-8"?>
<Envelope vmw:buildId="pillarbox" xmlns="http://schemas.dmtf.org/ovf/envelope/1"
  xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
  xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
  xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
  xmlns:vmw="http://www.vmware.com/schema/ovf">
  <References>
    <File ovf:href="pillarbox-disk1.vmdk" ovf:id="file1" ovf:size="$vmdk_size"/>
  </References>
  <DiskSection>
    <Info>Virtual disk</Info>
    <Disk ovf:capacity="$capacity" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk1" ovf:fileRef="file1"
      ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <NetworkSection>
    <Info>Network</Info>
    <Network ovf:name="NAT"><Description>The mail network</Description></Network>
  </NetworkSection>
  <VirtualSystem ovf:id="pillarbox">
    <Info>Pillarbox mail server appliance</Info>
    <Name>pillarbox</Name>
    <OperatingSystemSection ovf:id="96" vmw:osType="debian12_64Guest">
      <Info>Debian GNU/Linux 12 (64-bit)</Info>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>2 vCPUs, 2 GiB memory, one disk, one NIC</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>pillarbox</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>vmx-14 virtualbox-2.2</vssd:VirtualSystemType>
      </System>
      <Item>
        <rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>
        <rasd:ElementName>2 virtual CPUs</rasd:ElementName>
        <rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>2</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>
        <rasd:ElementName>2048 MB of memory</rasd:ElementName>
        <rasd:InstanceID>2</rasd:InstanceID>
        <rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>2048</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:Address>0</rasd:Address>
        <rasd:ElementName>SATA controller</rasd:ElementName>
        <rasd:InstanceID>3</rasd:InstanceID>
        <rasd:ResourceSubType>AHCI</rasd:ResourceSubType>
        <rasd:ResourceType>20</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AddressOnParent>0</rasd:AddressOnParent>
        <rasd:ElementName>disk1</rasd:ElementName>
        <rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>
        <rasd:InstanceID>4</rasd:InstanceID>
        <rasd:Parent>3</rasd:Parent>
        <rasd:ResourceType>17</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
        <rasd:Connection>NAT</rasd:Connection>
        <rasd:ElementName>ethernet0</rasd:ElementName>
        <rasd:InstanceID>5</rasd:InstanceID>
        <rasd:ResourceSubType>E1000</rasd:ResourceSubType>
        <rasd:ResourceType>10</rasd:ResourceType>
      </Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
OVF
(cd "$stage" && for f in pillarbox.ovf pillarbox-disk1.vmdk; do echo "SHA256($f)= $(sha256sum "$f" | cut -d' ' -f1)"; done >pillarbox.mf)
# OVA = tar with the descriptor first (ustar format, as the OVF spec asks).
tar --format=ustar -C "$stage" -cf "$OUT/pillarbox.ova" pillarbox.ovf pillarbox.mf pillarbox-disk1.vmdk
rm -rf "$stage"
log "pillarbox.ova ($(du -h "$OUT/pillarbox.ova" | cut -f1))"
