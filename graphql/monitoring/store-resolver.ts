import fs from 'node:fs';
import path from 'node:path';
import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { fileSystemRoom, storeLocationReport } from '../../server/store/usage';
import type { GraphqlContext } from '../context';
import { MailStoreType } from './store-types';

const sizeOf = (file: string) => {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
};

@Resolver()
export class StoreResolver {
  @Authorized()
  @Query(() => MailStoreType, { description: 'The data directory and every mail store location: path, bytes and messages stored, free space.' })
  async mailStore(@Ctx() ctx: GraphqlContext): Promise<MailStoreType> {
    const { engine } = ctx;
    const dataDir = engine.options.dataDir;
    const settings = engine.settings.get();
    const locations = [{ name: 'default', path: engine.store.locationRoot('default') }, ...settings.storeLocations];
    const db = path.join(dataDir, 'db', 'pillarbox.db');
    const queue = engine.queue.counts();
    return {
      dataDirectory: {
        path: dataDir,
        databaseBytes: sizeOf(db) + sizeOf(`${db}-wal`),
        queueMessages: queue.active + queue.deferred + queue.held,
        ...(await fileSystemRoom(dataDir)),
      },
      locations: await storeLocationReport(engine.db, locations),
      reserveBytes: settings.diskReserveMb * 1024 * 1024,
    };
  }
}
