import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { CertificateInfo } from '../../server/certs/cert-store';
import { CertError } from '../../server/certs/cert-errors';
import type { GraphqlContext } from '../context';
import { type Connection, PageArgs, paginate } from '../pagination';
import {
  AddSignedCertificateInput,
  CertificateConnection,
  CertificateIdInput,
  type CertificateOriginValue,
  CertificateResultType,
  type CertificateServiceValue,
  type CertificateStatusValue,
  CertificateType,
  CreateCertificateSigningRequestInput,
  CreateSelfSignedCertificateInput,
  DeleteCertificateInput,
  ImportCertificateInput,
  ImportPkcs12CertificateInput,
  OrderAcmeCertificateInput,
  UpdateCertificateInput,
} from './certificate-types';

/**
 * The certificate manager: the store's operations (server/certs/cert-store.ts), each a
 * mutation. Resolvers check the role, translate, and log who did what.
 */
@Resolver()
export class CertificateResolver {
  @Authorized()
  @Query(() => CertificateConnection, { description: 'Every certificate of the store, the default first, then by name.' })
  certificates(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphqlContext): Connection<CertificateType> {
    const all = ctx.engine.tls.store
      .list()
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name))
      .map(toCertificate);
    return paginate(all, (c) => c.id, page);
  }

  @Authorized()
  @Query(() => CertificateType, { description: 'One certificate, by id.' })
  certificate(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphqlContext): CertificateType {
    return toCertificate(ctx.engine.tls.store.get(id));
  }

  @Authorized('admin')
  @Mutation(() => CertificateType, { description: 'A new key and a self-signed certificate for it (clients warn about these: use for testing or private use).' })
  async createSelfSignedCertificate(@Arg('input', () => CreateSelfSignedCertificateInput) input: CreateSelfSignedCertificateInput, @Ctx() ctx: GraphqlContext): Promise<CertificateType> {
    const made = await ctx.engine.tls.store.createSelfSigned({ ...input, days: input.validityDays ?? undefined, altNames: input.altNames ?? undefined, subject: input.subject ?? undefined, keyType: input.keyType ?? undefined });
    ctx.log.message('certificate created', { certificate: made.name, id: made.id, origin: made.origin, by: ctx.admin?.username });
    return toCertificate(made);
  }

  @Authorized('admin')
  @Mutation(() => CertificateType, {
    description: 'A new key and a certificate signing request (signingRequestPem) to send to a CA; the certificate stays PENDING until addSignedCertificate.',
  })
  async createCertificateSigningRequest(
    @Arg('input', () => CreateCertificateSigningRequestInput) input: CreateCertificateSigningRequestInput,
    @Ctx() ctx: GraphqlContext,
  ): Promise<CertificateType> {
    const made = await ctx.engine.tls.store.createSigningRequest({ ...input, altNames: input.altNames ?? undefined, subject: input.subject ?? undefined, keyType: input.keyType ?? undefined });
    ctx.log.message('certificate signing request created', { certificate: made.name, id: made.id, by: ctx.admin?.username });
    return toCertificate(made);
  }

  @Authorized('admin')
  @Mutation(() => CertificateResultType, { description: 'The certificate a CA signed for a pending request; refused unless it is for the request\u2019s key.' })
  addSignedCertificate(@Arg('input', () => AddSignedCertificateInput) input: AddSignedCertificateInput, @Ctx() ctx: GraphqlContext): CertificateResultType {
    const done = ctx.engine.tls.store.completeSigningRequest(input.id, input.certificate, input.chain ?? '');
    ctx.log.message('signed certificate added', { certificate: done.certificate.name, id: input.id, warnings: done.warnings, by: ctx.admin?.username });
    return { certificate: toCertificate(done.certificate), warnings: done.warnings };
  }

  @Authorized('admin')
  @Mutation(() => CertificateResultType, {
    description: 'Imports a certificate, its chain and its key (PEM). Refuses a key that does not match, an expired or not yet valid certificate, and a broken chain; a chain in the wrong order is put right.',
  })
  importCertificate(@Arg('input', () => ImportCertificateInput) input: ImportCertificateInput, @Ctx() ctx: GraphqlContext): CertificateResultType {
    const done = ctx.engine.tls.store.importPem({ ...input, chain: input.chain ?? undefined, passphrase: input.passphrase ?? undefined });
    ctx.log.message('certificate imported', { certificate: done.certificate.name, id: done.certificate.id, warnings: done.warnings, by: ctx.admin?.username });
    return { certificate: toCertificate(done.certificate), warnings: done.warnings };
  }

  @Authorized('admin')
  @Mutation(() => CertificateResultType, { description: 'Imports a PKCS#12 (.p12/.pfx) file: key, certificate and chain, opened with its passphrase.' })
  async importPkcs12Certificate(@Arg('input', () => ImportPkcs12CertificateInput) input: ImportPkcs12CertificateInput, @Ctx() ctx: GraphqlContext): Promise<CertificateResultType> {
    const base64 = input.pkcs12Base64.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new CertError('INVALID_PKCS12', 'pkcs12Base64 is not base64');
    const done = await ctx.engine.tls.store.importPkcs12({ name: input.name, data: Buffer.from(base64, 'base64'), passphrase: input.passphrase });
    ctx.log.message('certificate imported', { certificate: done.certificate.name, id: done.certificate.id, format: 'PKCS#12', warnings: done.warnings, by: ctx.admin?.username });
    return { certificate: toCertificate(done.certificate), warnings: done.warnings };
  }

  @Authorized('admin')
  @Mutation(() => CertificateType, {
    description: 'Orders a certificate from the ACME CA of the acmeDirectoryUrl setting (HTTP-01: the CA fetches /.well-known/acme-challenge/ from this server on port 80). Answers once it is issued.',
  })
  async orderAcmeCertificate(@Arg('input', () => OrderAcmeCertificateInput) input: OrderAcmeCertificateInput, @Ctx() ctx: GraphqlContext): Promise<CertificateType> {
    try {
      const made = await ctx.engine.tls.acme.order({ name: input.name, names: input.names, keyType: input.keyType ?? undefined });
      ctx.log.message('ACME certificate issued', { certificate: made.name, id: made.id, names: made.altNames, notAfter: made.notAfter?.toISOString(), by: ctx.admin?.username });
      return toCertificate(made);
    } catch (err) {
      if (err instanceof CertError && err.code === 'ACME_FAILED') ctx.log.error('ACME order failed', { certificate: input.name, error: err.message, by: ctx.admin?.username });
      throw err;
    }
  }

  @Authorized('admin')
  @Mutation(() => CertificateType, { description: 'Orders an ACME certificate again now (the renewal job does this 30 days before the end); the current one serves until the new one is issued.' })
  async renewAcmeCertificate(@Arg('input', () => CertificateIdInput) input: CertificateIdInput, @Ctx() ctx: GraphqlContext): Promise<CertificateType> {
    try {
      const renewed = await ctx.engine.tls.acme.renew(input.id);
      ctx.log.message('ACME certificate renewed', { certificate: renewed.name, id: renewed.id, notAfter: renewed.notAfter?.toISOString(), by: ctx.admin?.username });
      return toCertificate(renewed);
    } catch (err) {
      if (err instanceof CertError && err.code === 'ACME_FAILED') ctx.log.error('ACME renewal failed; the current certificate stays in service', { id: input.id, error: err.message, by: ctx.admin?.username });
      throw err;
    }
  }

  @Authorized('admin')
  @Mutation(() => CertificateType, { description: 'Renames, sets the services and domains that use it, or makes it the default; new connections use the change at once.' })
  updateCertificate(@Arg('input', () => UpdateCertificateInput) input: UpdateCertificateInput, @Ctx() ctx: GraphqlContext): CertificateType {
    const updated = ctx.engine.tls.store.update(input.id, {
      name: input.name ?? undefined,
      services: input.services ?? undefined,
      domains: input.domains ?? undefined,
      isDefault: input.isDefault ?? undefined,
    });
    ctx.log.message('certificate changed', { certificate: updated.name, id: updated.id, services: updated.services, domains: updated.domains, isDefault: updated.isDefault, by: ctx.admin?.username });
    return toCertificate(updated);
  }

  @Authorized('admin')
  @Mutation(() => CertificateType, { description: 'A self-signed certificate made anew (new key of the same type, same names and length); the services using it serve the new one at once.' })
  async renewSelfSignedCertificate(@Arg('input', () => CertificateIdInput) input: CertificateIdInput, @Ctx() ctx: GraphqlContext): Promise<CertificateType> {
    const renewed = await ctx.engine.tls.store.renewSelfSigned(input.id);
    ctx.log.message('certificate renewed', { certificate: renewed.name, id: renewed.id, notAfter: renewed.notAfter?.toISOString(), by: ctx.admin?.username });
    return toCertificate(renewed);
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Deletes a certificate and its key. One in use needs a replacementId, which takes over its services, domains and default role.' })
  deleteCertificate(@Arg('input', () => DeleteCertificateInput) input: DeleteCertificateInput, @Ctx() ctx: GraphqlContext): boolean {
    const name = ctx.engine.tls.store.get(input.id).name;
    ctx.engine.tls.store.delete(input.id, input.replacementId ?? undefined);
    ctx.log.message('certificate deleted', { certificate: name, id: input.id, replacement: input.replacementId, by: ctx.admin?.username });
    return true;
  }
}

function toCertificate(c: CertificateInfo): CertificateType {
  return {
    ...c,
    origin: c.origin as CertificateOriginValue,
    status: c.status as CertificateStatusValue,
    services: c.services as CertificateServiceValue[],
    signingRequestPem: c.signingRequestPem || undefined,
  };
}
