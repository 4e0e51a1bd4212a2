import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType('StoreLocationUsage', { description: 'A mail store location (partition): where it is, what it holds, the room left.' })
export class StoreLocationUsageType {
  @Field(() => String, { description: '"default" (<data>/store) or the name given in storeLocations.' })
  name!: string;

  @Field(() => String)
  path!: string;

  @Field(() => Float, { description: 'Bytes of mail stored here.' })
  bytes!: number;

  @Field(() => Int)
  messages!: number;

  @Field(() => Int, { description: 'Users whose mail is kept here.' })
  users!: number;

  @Field(() => Float, { description: 'Free bytes on its file system (0 when it cannot be measured).' })
  freeBytes!: number;

  @Field(() => Float, { description: 'Size of its file system.' })
  sizeBytes!: number;
}

@ObjectType('DataDirectory', { description: 'The engine\u2019s data directory: database, queue, logs, the default store.' })
export class DataDirectoryType {
  @Field(() => String)
  path!: string;

  @Field(() => Float, { description: 'The database files (pillarbox.db and its write-ahead log).' })
  databaseBytes!: number;

  @Field(() => Int, { description: 'Messages in the queue.' })
  queueMessages!: number;

  @Field(() => Float)
  freeBytes!: number;

  @Field(() => Float)
  sizeBytes!: number;
}

@ObjectType('MailStore', { description: 'Where the data is, and every store location with its size, free space and message count.' })
export class MailStoreType {
  @Field(() => DataDirectoryType)
  dataDirectory!: DataDirectoryType;

  @Field(() => [StoreLocationUsageType])
  locations!: StoreLocationUsageType[];

  @Field(() => Float, { description: 'The free-space reserve (diskReserveMb) every file system keeps.' })
  reserveBytes!: number;
}
