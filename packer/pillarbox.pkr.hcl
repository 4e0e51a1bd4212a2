# Pillarbox appliance image. Works with Debian's packer 1.6.6 offline: the `null` builder
# needs no plugin (`packer init` is not used) and the image is assembled by shell-local
# provisioners with mmdebstrap and mkfs on the build host, so no VM is booted to build it.
#   packer build -var repo=$PWD packer/pillarbox.pkr.hcl   (npm run image does this)

variable "repo" {
  type        = string
  description = "the Pillarbox checkout to build the engine from"
}

variable "output_dir" {
  type    = string
  default = ""
}

variable "version" {
  type    = string
  default = "dev"
}

variable "mirror" {
  type    = string
  default = "http://deb.debian.org/debian"
}

variable "allow_tsc_errors" {
  type    = string
  default = "0"
}

locals {
  out = var.output_dir == "" ? "${var.repo}/build" : var.output_dir
  env = [
    "PILLARBOX_REPO=${var.repo}",
    "PILLARBOX_IMAGE_OUT=${local.out}",
    "PILLARBOX_IMAGE_VERSION=${var.version}",
    "PILLARBOX_MIRROR=${var.mirror}",
    "PILLARBOX_IMAGE_ALLOW_TSC_ERRORS=${var.allow_tsc_errors}",
  ]
}

source "null" "pillarbox" {
  communicator = "none"
}

build {
  sources = ["source.null.pillarbox"]

  provisioner "shell-local" {
    environment_vars = local.env
    execute_command  = ["/bin/bash", "-c", "{{.Vars}} /bin/bash {{.Script}}"]
    scripts = [
      "${var.repo}/packer/scripts/10-stage-engine.sh",
      "${var.repo}/packer/scripts/20-rootfs.sh",
      "${var.repo}/packer/scripts/30-disk.sh",
      "${var.repo}/packer/scripts/40-artifacts.sh",
    ]
  }
}
